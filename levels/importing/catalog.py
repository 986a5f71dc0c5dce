"""services.csv: services and the categories they name.

Rows are checked here and written in bulk, so Service.full_clean() never
runs. That skips the caps of the seller's level on purpose, because caps
apply to changes and not to history. The global price bounds are still
checked below and by the database constraint on Service.price.
"""

import dataclasses
from decimal import Decimal

from django.utils.translation import gettext as _

from levels.policy import PRICE_CEILING, PRICE_FLOOR
from services.models import Category, Service

from .reading import (
    CsvRecord, RowError, parse_choice, parse_price, parse_slug, parse_text, parse_timestamp,
)
from .state import FileFormat, ImportState, ParsedRow
from .writing import save_changed

FILE = "services.csv"
TITLE_LENGTH = Service._meta.get_field("title").max_length
SLUG_LENGTH = Category._meta.get_field("slug").max_length
SERVICE_STATUSES = (Service.Status.ACTIVE.value, Service.Status.PAUSED.value)

# Arabic and English names given to these slugs when the import creates
# their category. A category created for any other slug is named after the
# slug until staff rename it.
KNOWN_CATEGORIES = {
    "design": ("تصميم", "Design"),
    "writing-translation": ("كتابة وترجمة", "Writing and translation"),
    "programming": ("برمجة", "Programming"),
    "marketing": ("تسويق", "Marketing"),
    "audio-video": ("صوتيات وفيديو", "Audio and video"),
    "imported": ("مستورد", "Imported"),
}


@dataclasses.dataclass(slots=True)
class ServiceRow(ParsedRow):
    category_slug: str


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
    seller_pk = state.resolve_seller(record, "seller_id")
    title = parse_text(record, "title", required=True, max_length=TITLE_LENGTH)
    category_slug = parse_slug(record, "category", max_length=SLUG_LENGTH)
    price = _parse_price(record)
    status = parse_choice(record, "status", SERVICE_STATUSES)
    created_at = parse_timestamp(record, "created_at")

    paused = status == Service.Status.PAUSED
    service = Service(
        external_id=record.cell("id"),
        seller_id=seller_pk,
        title=title,
        price=price,
        status=status,
        pause_reason=Service.PauseReason.IMPORTED if paused else "",
        # History does not say when a paused service was paused.
        paused_at=None,
        created_at=created_at,
    )
    return ServiceRow(record.line, service, category_slug)


def _category_pks(slugs: set[str], state: ImportState) -> dict[str, int]:
    """Return the pk of each category in ``slugs``, creating the missing ones.

    Categories that exist keep their names: staff may have renamed them.
    """
    new_slugs = slugs - state.categories.keys()
    if new_slugs:
        categories = []
        for slug in sorted(new_slugs):
            name_ar, name_en = KNOWN_CATEGORIES.get(slug, (slug, slug))
            categories.append(Category(slug=slug, name_ar=name_ar, name_en=name_en))
        Category.objects.bulk_create(categories, ignore_conflicts=True)
        state.categories.update(Category.objects.filter(slug__in=new_slugs).values_list("slug", "pk"))
    return state.categories


def save_services(rows: list[ServiceRow], state: ImportState) -> list[ServiceRow]:
    category_pks = _category_pks({row.category_slug for row in rows}, state)
    for row in rows:
        row.instance.category_id = category_pks[row.category_slug]

    save_changed(
        Service,
        [row.instance for row in rows],
        ("seller", "category", "title", "price", "status", "pause_reason", "paused_at", "created_at"),
        touch=("updated_at",),
    )

    for row in rows:
        service = row.instance
        state.services[service.external_id] = (service.pk, service.seller_id)
    return rows


SERVICES = FileFormat(
    name=FILE,
    columns=("id", "seller_id", "title", "category", "price", "status", "created_at"),
    parse_row=parse_service,
    save_batch=save_services,
)
