"""Metrics of a range of sellers as of one date, in a fixed number of aggregate queries.

Each query groups by seller over the whole id range, so evaluating 10 or
10,000 sellers costs the same four queries. Only rows strictly before the
cutoff of the date count, whatever else the database already holds.
"""

import datetime as dt

from django.db.models import (
    Case, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Value, When,
)

from conversations.models import Conversation
from levels import policy as p
from levels.values import MetricValues
from marketplace import clock
from orders.models import Order, Review


def compute_metrics(
    first_seller_id: int, last_seller_id: int, as_of: dt.date, policy: p.LevelPolicy,
) -> dict[int, MetricValues]:
    """Return the metric values of every seller with an id in the range that has data.

    Sellers without any row in a window are absent; callers treat them as
    MetricValues() (no data).
    """
    return _compute(in_range((first_seller_id, last_seller_id)), as_of, policy)


def compute_metrics_for_ids(seller_ids, as_of: dt.date, policy: p.LevelPolicy) -> dict[int, MetricValues]:
    """Return the metric values of the given sellers, like ``compute_metrics``."""
    return _compute(Q(seller_id__in=list(seller_ids)), as_of, policy)


def _compute(sellers: Q, as_of: dt.date, policy: p.LevelPolicy) -> dict[int, MetricValues]:
    cutoff = clock.cutoff(as_of)
    rows: dict[int, dict] = {}

    for query in (_clients, _ratings, _completions, _inquiries):
        for row in query(sellers, as_of, cutoff, policy):
            seller_id = row.pop("seller_id")
            rows.setdefault(seller_id, {}).update(row)

    return {seller_id: MetricValues(**fields) for seller_id, fields in rows.items()}


def in_range(id_range: tuple[int, int], field: str = "seller_id") -> Q:
    """Return a filter on ``field`` between the two ids, both included."""
    first, last = id_range
    return Q(**{f"{field}__gte": first, f"{field}__lte": last})


def compute_metrics_for(seller_id: int, as_of: dt.date, policy: p.LevelPolicy) -> MetricValues:
    return compute_metrics(seller_id, seller_id, as_of, policy).get(seller_id, MetricValues())


def _clients(sellers, as_of, cutoff, policy):
    return (
        Order.objects.filter(sellers, excluded=False, completed_at__lt=cutoff)
        .values("seller_id")
        .annotate(clients=Count("buyer_id", distinct=True))
        .order_by()
    )


def _ratings(sellers, as_of, cutoff, policy):
    start = clock.window_start(as_of, policy.rating_window_days)
    return (
        Review.objects.filter(
            sellers,
            excluded=False,
            order__excluded=False,
            created_at__gte=start,
            created_at__lt=cutoff,
        )
        .values("seller_id")
        .annotate(
            rating_sum=Sum("rating"),
            rating_square_sum=Sum(F("rating") * F("rating")),
            rating_count=Count("id"),
        )
        .order_by()
    )


def _completions(sellers, as_of, cutoff, policy):
    start = clock.window_start(as_of, policy.completion_window_days)
    completed = Q(completed_at__gte=start, completed_at__lt=cutoff)
    cancelled = Q(cancelled_at__gte=start, cancelled_at__lt=cutoff)
    return (
        Order.objects.filter(sellers, excluded=False)
        .filter(completed | cancelled)
        .values("seller_id")
        .annotate(
            completed_count=Count("id", filter=completed),
            cancelled_count=Count("id", filter=cancelled),
        )
        .order_by()
    )


def _inquiry_rows(sellers, as_of, cutoff, policy):
    """Count inquiries, conversions and reply delays in one pass over conversations.

    An inquiry converts when its buyer orders from the same seller at or after
    its start, less than the conversion window later, and before the cutoff.
    It is decided once converted or once its conversion window has closed.
    """
    conversion = dt.timedelta(days=policy.conversion_window_days)
    contact_window = Q(started_at__gte=clock.window_start(as_of, policy.contact_window_days))
    response_window = Q(started_at__gte=clock.window_start(as_of, policy.response_window_days))
    earliest = min(
        clock.window_start(as_of, policy.contact_window_days),
        clock.window_start(as_of, policy.response_window_days),
    )

    converting_order = Order.objects.filter(
        seller_id=OuterRef("seller_id"),
        buyer_id=OuterRef("buyer_id"),
        excluded=False,
        created_at__gte=OuterRef("started_at"),
        created_at__lt=OuterRef("started_at") + conversion,
    ).filter(created_at__lt=cutoff)
    answered = Q(first_reply_at__lt=cutoff)
    unanswered = Q(first_reply_at__isnull=True) | Q(first_reply_at__gte=cutoff)
    delay = Case(
        When(answered, then=F("first_reply_at") - F("started_at")),
        default=Value(cutoff) - F("started_at"),
        output_field=DurationField(),
    )
    converted = Q(is_converted=True)
    window_closed = Q(started_at__lte=cutoff - conversion)

    return (
        Conversation.objects.filter(
            sellers, excluded=False, started_at__gte=earliest, started_at__lt=cutoff,
        )
        .annotate(is_converted=Exists(converting_order))
        .values("seller_id")
        .annotate(
            inquiry_count=Count("id", filter=response_window),
            unanswered_count=Count("id", filter=response_window & unanswered),
            response_total=Sum(ExpressionWrapper(delay, output_field=DurationField()), filter=response_window),
            converted_count=Count("id", filter=contact_window & converted),
            # CASE tests the cheap date first, so the conversion EXISTS runs
            # again only for inquiries whose window is still open. A plain
            # OR made PostgreSQL plan a second EXISTS for every inquiry.
            decided_count=Sum(
                Case(
                    When(contact_window & window_closed, then=1),
                    When(contact_window & converted, then=1),
                    default=0,
                ),
            ),
        )
        .order_by()
    )


def _as_microseconds(total) -> int:
    if total is None:
        return 0
    return (total.days * 86400 + total.seconds) * 10**6 + total.microseconds


def _inquiries(sellers, as_of, cutoff, policy):
    for row in _inquiry_rows(sellers, as_of, cutoff, policy):
        row["response_total_us"] = _as_microseconds(row.pop("response_total"))
        yield row
