"""services.csv: services and the categories they name.

Rows are checked here and written in bulk, so Service.full_clean() never
runs. That skips the caps of the seller's level on purpose, because caps
apply to changes and not to history. The global price bounds are still
checked below and by the database constraint on Service.price.
"""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from accounts.models import User
from levels.policy import PRICE_CEILING, PRICE_FLOOR
from services.categories import STANDARD_CATEGORIES
from services.models import Category, Service

from .copying import CopyTable
from .reading import (
    CsvRecord, RowError, parse_choice, parse_price, parse_slug, parse_text, parse_timestamp,
)
from .state import FileFormat, ImportState
from .writing import save_changed

FILE = "services.csv"
TITLE_LENGTH = Service._meta.get_field("title").max_length
SLUG_LENGTH = Category._meta.get_field("slug").max_length
SERVICE_STATUSES = (Service.Status.ACTIVE.value, Service.Status.PAUSED.value)


class ServiceRow(NamedTuple):
    line: int
    external_id: str
    seller_id: str
    category_slug: str
    title: str
    price: Decimal
    status: str
    pause_reason: str
    created_at: dt.datetime


def _parse_price(record: CsvRecord) -> Decimal:
    price = parse_price(record, "price")
    if not PRICE_FLOOR <= price <= PRICE_CEILING:
        raise RowError(
            "price_out_of_range",
            _('price "%(value)s" is outside the allowed range of %(min)s to %(max)s USD.')
            % {"value": price, "min": PRICE_FLOOR, "max": PRICE_CEILING},
        )
    return price


def parse_service(record: CsvRecord, state: ImportState) -> ServiceRow:
    seller_id = state.resolve_seller(record, "seller_id")
    title = parse_text(record, "title", required=True, max_length=TITLE_LENGTH)
    category_slug = parse_slug(record, "category", max_length=SLUG_LENGTH)
    price = _parse_price(record)
    status = parse_choice(record, "status", SERVICE_STATUSES)
    created_at = parse_timestamp(record, "created_at")

    pause_reason = Service.PauseReason.IMPORTED.value if status == Service.Status.PAUSED else ""
    return ServiceRow(record.line, record.cell("id"), seller_id, category_slug, title, price, status,
                      pause_reason, created_at)


def _category_pks(slugs: set[str], state: ImportState) -> dict[str, int]:
    """Return the pk of each category in ``slugs``, creating the missing ones.

    Categories that exist keep their names: staff may have renamed them.
    """
    new_slugs = slugs - state.categories.keys()
    if new_slugs:
        categories = []
        for slug in sorted(new_slugs):
            name_ar, name_en = STANDARD_CATEGORIES.get(slug, (slug, slug))
            categories.append(Category(slug=slug, name_ar=name_ar, name_en=name_en))
        Category.objects.bulk_create(categories, ignore_conflicts=True)
        state.categories.update(Category.objects.filter(slug__in=new_slugs).values_list("slug", "pk"))
    return state.categories


def accept_services(rows: list[ServiceRow], state: ImportState) -> list[ServiceRow]:
    # Categories are created here, for both write paths, because the copy
    # path joins the staging table to them by slug.
    _category_pks({row.category_slug for row in rows}, state)
    for row in rows:
        state.services[row.external_id] = row.seller_id
    return rows


def save_services(rows: list[ServiceRow], state: ImportState) -> None:
    services = [
        Service(
            external_id=row.external_id,
            seller_id=state.keys.users[row.seller_id],
            category_id=state.categories[row.category_slug],
            title=row.title,
            price=row.price,
            status=row.status,
            pause_reason=row.pause_reason,
            # History does not say when a paused service was paused.
            paused_at=None,
            created_at=row.created_at,
        )
        for row in rows
    ]
    save_changed(
        Service,
        services,
        ("seller", "category", "title", "price", "status", "pause_reason", "paused_at", "created_at"),
        touch=("updated_at",),
    )

    for service in services:
        state.keys.services[service.external_id] = (service.pk, service.seller_id)


SERVICES = FileFormat(
    name=FILE,
    columns=("id", "seller_id", "title", "category", "price", "status", "created_at"),
    parse_row=parse_service,
    accept_batch=accept_services,
    save_batch=save_services,
    copy_table=CopyTable(
        staging="import_services",
        model=Service,
        columns={
            "line": "integer", "external_id": "text", "seller_id": "text", "category_slug": "text",
            "title": "text", "price": "numeric", "status": "text", "pause_reason": "text",
            "created_at": "timestamptz",
        },
        joins=(
            f"JOIN {User._meta.db_table} seller ON seller.external_id = s.seller_id "
            f"JOIN {Category._meta.db_table} category ON category.slug = s.category_slug"
        ),
        select={
            "external_id": "s.external_id", "seller_id": "seller.id", "category_id": "category.id",
            "title": "s.title", "price": "s.price", "status": "s.status", "pause_reason": "s.pause_reason",
            "paused_at": "NULL", "created_at": "s.created_at",
        },
        compared=("seller_id", "category_id", "title", "price", "status", "pause_reason", "paused_at",
                  "created_at"),
        touch=("updated_at",),
    ),
)
