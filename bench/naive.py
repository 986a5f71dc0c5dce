"""The naive baseline: the level metrics computed one seller at a time.

This is what a first implementation usually looks like: a loop over sellers
with five ORM queries each and the conversion rule checked in Python. It must
return exactly what levels.metrics.compute_metrics returns; the benchmark and
tests/test_bench.py assert that.
"""

import datetime as dt

from django.db.models import Q

from conversations.models import Conversation
from levels import policy as p
from levels.values import MetricValues
from marketplace import clock
from orders.models import Order, Review
from sellers.models import SellerProfile


def seller_metrics(seller_id: int, as_of: dt.date, policy: p.LevelPolicy) -> MetricValues:
    """Compute one seller's metric values as of ``as_of`` with five queries."""
    cutoff = clock.cutoff(as_of)
    orders = Order.objects.filter(seller_id=seller_id, excluded=False)

    clients = orders.filter(completed_at__lt=cutoff).values("buyer_id").distinct().count()

    rating_start = clock.window_start(as_of, policy.rating_window_days)
    ratings = list(
        Review.objects.filter(
            seller_id=seller_id, excluded=False, order__excluded=False,
            created_at__gte=rating_start, created_at__lt=cutoff,
        ).values_list("rating", flat=True)
    )

    completion_start = clock.window_start(as_of, policy.completion_window_days)
    closed = list(
        orders.filter(
            Q(completed_at__gte=completion_start, completed_at__lt=cutoff)
            | Q(cancelled_at__gte=completion_start, cancelled_at__lt=cutoff)
        ).values_list("completed_at", "cancelled_at")
    )
    completed_count = sum(
        1 for completed_at, _ in closed
        if completed_at is not None and completion_start <= completed_at < cutoff
    )
    cancelled_count = sum(
        1 for _, cancelled_at in closed
        if cancelled_at is not None and completion_start <= cancelled_at < cutoff
    )

    inquiry_values = _inquiry_values(seller_id, orders, as_of, cutoff, policy)
    return MetricValues(
        clients=clients,
        rating_sum=sum(ratings),
        rating_square_sum=sum(rating * rating for rating in ratings),
        rating_count=len(ratings),
        completed_count=completed_count,
        cancelled_count=cancelled_count,
        **inquiry_values,
    )


def _inquiry_values(seller_id, orders, as_of, cutoff, policy) -> dict:
    contact_start = clock.window_start(as_of, policy.contact_window_days)
    response_start = clock.window_start(as_of, policy.response_window_days)
    conversion = dt.timedelta(days=policy.conversion_window_days)

    inquiries = list(
        Conversation.objects.filter(
            seller_id=seller_id, excluded=False,
            started_at__gte=min(contact_start, response_start), started_at__lt=cutoff,
        ).values_list("buyer_id", "started_at", "first_reply_at")
    )
    buyers = {buyer_id for buyer_id, _, _ in inquiries}
    orders_by_buyer: dict[int, list[dt.datetime]] = {}
    for buyer_id, created_at in orders.filter(buyer_id__in=buyers, created_at__lt=cutoff).values_list(
        "buyer_id", "created_at",
    ):
        orders_by_buyer.setdefault(buyer_id, []).append(created_at)

    counts = dict(inquiry_count=0, unanswered_count=0, response_total_us=0, converted_count=0, decided_count=0)
    for buyer_id, started_at, first_reply_at in inquiries:
        if started_at >= response_start:
            answered = first_reply_at is not None and first_reply_at < cutoff
            delay = (first_reply_at if answered else cutoff) - started_at
            counts["inquiry_count"] += 1
            counts["unanswered_count"] += 0 if answered else 1
            counts["response_total_us"] += delay // dt.timedelta(microseconds=1)

        if started_at >= contact_start:
            converted = any(
                started_at <= created_at < started_at + conversion
                for created_at in orders_by_buyer.get(buyer_id, ())
            )
            counts["converted_count"] += converted
            counts["decided_count"] += converted or started_at + conversion <= cutoff
    return counts


def all_seller_metrics(as_of: dt.date, policy: p.LevelPolicy, *, progress=None) -> dict[int, MetricValues]:
    """Return every seller's metric values, computed one seller at a time."""
    result = {}
    for seller_id in SellerProfile.objects.order_by("user_id").values_list("user_id", flat=True):
        result[seller_id] = seller_metrics(seller_id, as_of, policy)
        if progress is not None:
            progress()
    return result
