"""orders.csv and reviews.csv: orders with their status history, and one review per order."""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from orders.models import Order, Review

from .reading import (
    CsvRecord, RowError, parse_choice, parse_price, parse_text, parse_timestamp, parse_whole_number,
    shown,
)
from .state import FileFormat, ImportState, ParsedRow
from .writing import save_changed

ORDERS_FILE = "orders.csv"
REVIEWS_FILE = "reviews.csv"

_price_field = Order._meta.get_field("price")
# The smallest price the column cannot hold: 10**6 for max_digits=8, decimal_places=2.
ORDER_PRICE_LIMIT = Decimal(10) ** (_price_field.max_digits - _price_field.decimal_places)
ORDER_STATUSES = tuple(Order.Status.values)
MIN_RATING = 1
MAX_RATING = 5


@dataclasses.dataclass(slots=True)
class ReviewRow(ParsedRow):
    order_external_id: str


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


def parse_order(record: CsvRecord, state: ImportState) -> ParsedRow:
    service_pk, seller_pk = state.resolve(record, "service_id", "services.csv", state.services)
    buyer_pk = state.resolve(record, "buyer_id", "users.csv", state.users)
    if buyer_pk == seller_pk:
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

    order = Order(
        external_id=record.cell("id"),
        service_id=service_pk,
        seller_id=seller_pk,
        buyer_id=buyer_pk,
        price=price,
        status=status,
        created_at=created_at,
        completed_at=completed_at,
        cancelled_at=cancelled_at,
    )
    return ParsedRow(record.line, order)


def save_orders(rows: list[ParsedRow], state: ImportState) -> list[ParsedRow]:
    # Staff exclusions, delivery and cancellation details are not in the
    # file, so an order already in the database keeps them.
    save_changed(
        Order,
        [row.instance for row in rows],
        ("service", "seller", "buyer", "price", "status", "created_at", "completed_at", "cancelled_at"),
    )

    for row in rows:
        order = row.instance
        state.orders[order.external_id] = (order.pk, order.seller_id)
    return rows


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
    order_pk, seller_pk = state.resolve(record, "order_id", ORDERS_FILE, state.orders)
    rating = _parse_rating(record)
    comment = parse_text(record, "comment", required=False)
    created_at = parse_timestamp(record, "created_at")

    review = Review(
        external_id=record.cell("id"),
        order_id=order_pk,
        seller_id=seller_pk,
        rating=rating,
        comment=comment,
        created_at=created_at,
    )
    return ReviewRow(record.line, review, record.cell("order_id"))


def _reject_second_reviews(rows: list[ReviewRow], state: ImportState) -> list[ReviewRow]:
    """Reject the rows whose order already has a review with another id, in this file or in the database.

    Checking against the stored reviews keeps the upsert from hitting the
    unique index on Review.order, even when the file moves that review to
    another order: such a row is rejected rather than reordered.
    """
    stored = dict(
        Review._base_manager.filter(order_id__in=[row.instance.order_id for row in rows])
        .values_list("order_id", "external_id")
    )

    accepted = []
    for row in rows:
        review = row.instance
        claimed = state.reviewed_orders.get(review.order_id)
        params = {"value": shown(row.order_external_id)}
        if claimed is not None and claimed[0] != review.external_id:
            error = RowError(
                "duplicate_review",
                _('order_id "%(value)s" already has review %(other)s on line %(line)s: an order has one review.')
                % {**params, "other": claimed[0], "line": claimed[1]},
            )
        elif review.order_id in stored and stored[review.order_id] != review.external_id:
            error = RowError(
                "duplicate_review",
                _('order_id "%(value)s" already has a review with another id in the database.') % params,
            )
        else:
            state.reviewed_orders[review.order_id] = (review.external_id, row.line)
            accepted.append(row)
            continue
        state.reject(REVIEWS_FILE, row.line, review.external_id, error)
    return accepted


def save_reviews(rows: list[ReviewRow], state: ImportState) -> list[ReviewRow]:
    rows = _reject_second_reviews(rows, state)
    save_changed(Review, [row.instance for row in rows], ("order", "seller", "rating", "comment", "created_at"))
    return rows


ORDERS = FileFormat(
    name=ORDERS_FILE,
    columns=("id", "service_id", "buyer_id", "price", "status", "created_at", "completed_at", "cancelled_at"),
    parse_row=parse_order,
    save_batch=save_orders,
)

REVIEWS = FileFormat(
    name=REVIEWS_FILE,
    columns=("id", "order_id", "rating", "comment", "created_at"),
    parse_row=parse_review,
    save_batch=save_reviews,
)
