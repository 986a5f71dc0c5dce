"""orders.csv and reviews.csv: orders with their status history, and one review per order."""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from accounts.models import User
from orders.models import Order, Review
from services.models import Service

from .copying import CopyTable
from .reading import (
    CsvRecord, RowError, parse_choice, parse_price, parse_text, parse_timestamp, parse_whole_number,
    shown,
)
from .state import FileFormat, ImportState
from .writing import save_changed

ORDERS_FILE = "orders.csv"
REVIEWS_FILE = "reviews.csv"

_price_field = Order._meta.get_field("price")
# The smallest price the column cannot hold: 10**6 for max_digits=8, decimal_places=2.
ORDER_PRICE_LIMIT = Decimal(10) ** (_price_field.max_digits - _price_field.decimal_places)
ORDER_STATUSES = tuple(Order.Status.values)
MIN_RATING = 1
MAX_RATING = 5


class OrderRow(NamedTuple):
    line: int
    external_id: str
    service_id: str
    buyer_id: str
    price: Decimal
    status: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class ReviewRow(NamedTuple):
    line: int
    external_id: str
    order_id: str
    rating: int
    comment: str
    created_at: dt.datetime


def _parse_order_price(record: CsvRecord) -> Decimal:
    price = parse_price(record, "price")
    if price <= 0:
        raise RowError("price_not_positive", _('price "%(value)s" must be above zero.') % {"value": price})
    if price >= ORDER_PRICE_LIMIT:
        raise RowError(
            "price_out_of_range",
            _('price "%(value)s" must be below %(limit)s.') % {"value": price, "limit": ORDER_PRICE_LIMIT},
        )
    return price


def _check_status_times(record: CsvRecord, status: str, created_at: dt.datetime,
                        completed_at: dt.datetime | None, cancelled_at: dt.datetime | None) -> None:
    """Raise RowError unless the status agrees with completed_at and cancelled_at.

    The level metrics read an order's state from its timestamps, not from its
    status, so a mismatch would count the order as something its status denies.
    """
    if completed_at is not None and cancelled_at is not None:
        raise RowError(
            "both_closing_times",
            _("completed_at and cancelled_at are both set: an order is either completed or cancelled."),
        )

    if status == Order.Status.COMPLETED and completed_at is None:
        raise RowError("completed_without_time", _('The status is "completed" but completed_at is missing.'))
    if status == Order.Status.CANCELLED and cancelled_at is None:
        raise RowError("cancelled_without_time", _('The status is "cancelled" but cancelled_at is missing.'))

    closing_column = "completed_at" if completed_at is not None else "cancelled_at"
    closed_at = completed_at or cancelled_at
    if closed_at is None:
        return

    if status in (Order.Status.OPEN, Order.Status.DELIVERED):
        raise RowError(
            "closing_time_on_open_order",
            _('The status is "%(status)s" but %(column)s is set: only completed or cancelled orders are closed.')
            % {"status": status, "column": closing_column},
        )
    if closed_at < created_at:
        raise RowError(
            "closed_before_created",
            _('%(column)s "%(closed)s" is before created_at "%(created)s".')
            % {"column": closing_column, "closed": record.cell(closing_column), "created": record.cell("created_at")},
        )


def parse_order(record: CsvRecord, state: ImportState) -> OrderRow:
    service_id = state.resolve(record, "service_id", "services.csv", state.services)
    buyer_id = state.resolve(record, "buyer_id", "users.csv", state.users)
    if buyer_id == state.services[service_id]:
        raise RowError(
            "buyer_is_seller",
            _('buyer_id "%(value)s" is the seller of the service: nobody can order from themself.')
            % {"value": shown(record.cell("buyer_id"))},
        )

    price = _parse_order_price(record)
    status = parse_choice(record, "status", ORDER_STATUSES)
    created_at = parse_timestamp(record, "created_at")
    completed_at = parse_timestamp(record, "completed_at", required=False)
    cancelled_at = parse_timestamp(record, "cancelled_at", required=False)
    _check_status_times(record, status, created_at, completed_at, cancelled_at)

    return OrderRow(record.line, record.cell("id"), service_id, buyer_id, price, status, created_at,
                    completed_at, cancelled_at)


def accept_orders(rows: list[OrderRow], state: ImportState) -> list[OrderRow]:
    state.orders.update(row.external_id for row in rows)
    return rows


def save_orders(rows: list[OrderRow], state: ImportState) -> None:
    orders = []
    for row in rows:
        service_pk, seller_pk = state.keys.services[row.service_id]
        orders.append(Order(
            external_id=row.external_id,
            service_id=service_pk,
            seller_id=seller_pk,
            buyer_id=state.keys.users[row.buyer_id],
            price=row.price,
            status=row.status,
            created_at=row.created_at,
            completed_at=row.completed_at,
            cancelled_at=row.cancelled_at,
        ))
    # Staff exclusions, delivery and cancellation details are not in the
    # file, so an order already in the database keeps them.
    save_changed(
        Order,
        orders,
        ("service", "seller", "buyer", "price", "status", "created_at", "completed_at", "cancelled_at"),
    )

    for order in orders:
        state.keys.orders[order.external_id] = (order.pk, order.seller_id)


def _parse_rating(record: CsvRecord) -> int:
    rating = parse_whole_number(record, "rating")
    if not MIN_RATING <= rating <= MAX_RATING:
        raise RowError(
            "rating_out_of_range",
            _('rating "%(value)s" is not a whole number from %(min)s to %(max)s.')
            % {"value": record.cell("rating"), "min": MIN_RATING, "max": MAX_RATING},
        )
    return rating


def parse_review(record: CsvRecord, state: ImportState) -> ReviewRow:
    order_id = state.resolve(record, "order_id", ORDERS_FILE, state.orders)
    rating = _parse_rating(record)
    comment = parse_text(record, "comment", required=False)
    created_at = parse_timestamp(record, "created_at")

    return ReviewRow(record.line, record.cell("id"), order_id, rating, comment, created_at)


def accept_reviews(rows: list[ReviewRow], state: ImportState) -> list[ReviewRow]:
    """Reject the rows whose order already has a review with another id, in this file or in the database.

    Checking against the stored reviews keeps the upsert from hitting the
    unique index on Review.order, even when the file moves that review to
    another order: such a row is rejected rather than reordered.
    """
    stored = dict(
        Review._base_manager.filter(order__external_id__in=[row.order_id for row in rows])
        .values_list("order__external_id", "external_id")
    )

    accepted = []
    for row in rows:
        claimed = state.reviewed_orders.get(row.order_id)
        params = {"value": shown(row.order_id)}
        if claimed is not None and claimed[0] != row.external_id:
            error = RowError(
                "duplicate_review",
                _('order_id "%(value)s" already has review %(other)s on line %(line)s: an order has one review.')
                % {**params, "other": claimed[0], "line": claimed[1]},
            )
        elif row.order_id in stored and stored[row.order_id] != row.external_id:
            error = RowError(
                "duplicate_review",
                _('order_id "%(value)s" already has a review with another id in the database.') % params,
            )
        else:
            state.reviewed_orders[row.order_id] = (row.external_id, row.line)
            accepted.append(row)
            continue
        state.reject(REVIEWS_FILE, row.line, row.external_id, error)
    return accepted


def save_reviews(rows: list[ReviewRow], state: ImportState) -> None:
    reviews = []
    for row in rows:
        order_pk, seller_pk = state.keys.orders[row.order_id]
        reviews.append(Review(
            external_id=row.external_id,
            order_id=order_pk,
            seller_id=seller_pk,
            rating=row.rating,
            comment=row.comment,
            created_at=row.created_at,
        ))
    save_changed(Review, reviews, ("order", "seller", "rating", "comment", "created_at"))


ORDERS = FileFormat(
    name=ORDERS_FILE,
    columns=("id", "service_id", "buyer_id", "price", "status", "created_at", "completed_at", "cancelled_at"),
    parse_row=parse_order,
    accept_batch=accept_orders,
    save_batch=save_orders,
    copy_table=CopyTable(
        staging="import_orders",
        model=Order,
        columns={
            "line": "integer", "external_id": "text", "service_id": "text", "buyer_id": "text",
            "price": "numeric", "status": "text", "created_at": "timestamptz", "completed_at": "timestamptz",
            "cancelled_at": "timestamptz",
        },
        # The seller of an order is the seller of its service.
        joins=(
            f"JOIN {Service._meta.db_table} service ON service.external_id = s.service_id "
            f"JOIN {User._meta.db_table} buyer ON buyer.external_id = s.buyer_id"
        ),
        select={
            "external_id": "s.external_id", "service_id": "service.id", "seller_id": "service.seller_id",
            "buyer_id": "buyer.id", "price": "s.price", "status": "s.status", "created_at": "s.created_at",
            "completed_at": "s.completed_at", "cancelled_at": "s.cancelled_at",
        },
        compared=("service_id", "seller_id", "buyer_id", "price", "status", "created_at", "completed_at",
                  "cancelled_at"),
    ),
)

REVIEWS = FileFormat(
    name=REVIEWS_FILE,
    columns=("id", "order_id", "rating", "comment", "created_at"),
    parse_row=parse_review,
    accept_batch=accept_reviews,
    save_batch=save_reviews,
    copy_table=CopyTable(
        staging="import_reviews",
        model=Review,
        columns={
            "line": "integer", "external_id": "text", "order_id": "text", "rating": "smallint",
            "comment": "text", "created_at": "timestamptz",
        },
        # The seller of a review is the seller of its order.
        joins=f"JOIN {Order._meta.db_table} orders ON orders.external_id = s.order_id",
        select={
            "external_id": "s.external_id", "order_id": "orders.id", "seller_id": "orders.seller_id",
            "rating": "s.rating", "comment": "s.comment", "created_at": "s.created_at",
        },
        compared=("order_id", "seller_id", "rating", "comment", "created_at"),
    ),
)
