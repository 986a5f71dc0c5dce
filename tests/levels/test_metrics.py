"""Metric queries as of a date: cutoffs, windows, exclusions, and a fixed query count."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from levels.metrics import compute_metrics, compute_metrics_for
from levels.policy import DEFAULT_POLICY
from orders.models import Order
from tests import factories

pytestmark = pytest.mark.django_db

RIYADH = ZoneInfo("Asia/Riyadh")
AS_OF = dt.date(2025, 6, 30)
# 00:00 local time of the next day: the first instant the evaluation ignores.
CUTOFF = dt.datetime(2025, 7, 1, 0, 0, tzinfo=RIYADH)
SECOND = dt.timedelta(seconds=1)


def completed_order(seller, at, buyer=None, **fields):
    service = factories.ServiceFactory(seller=seller)
    return factories.OrderFactory(
        service=service, buyer=buyer or factories.UserFactory(), status=Order.Status.COMPLETED,
        created_at=at - dt.timedelta(days=2), completed_at=at, **fields,
    )


def metrics(seller):
    return compute_metrics_for(seller.pk, AS_OF, DEFAULT_POLICY)


def test_cutoff_excludes_events_at_midnight():
    seller = factories.seller()
    completed_order(seller, CUTOFF - SECOND)
    completed_order(seller, CUTOFF)

    assert metrics(seller).clients == 1
    assert metrics(seller).completed_count == 1


def test_clients_count_distinct_buyers_over_lifetime():
    seller = factories.seller()
    buyer = factories.UserFactory()
    completed_order(seller, CUTOFF - dt.timedelta(days=900), buyer=buyer)
    completed_order(seller, CUTOFF - dt.timedelta(days=10), buyer=buyer)
    completed_order(seller, CUTOFF - dt.timedelta(days=5))

    assert metrics(seller).clients == 2


def test_rating_window_is_365_local_days():
    seller = factories.seller()
    window_start = dt.datetime(2024, 7, 1, 0, 0, tzinfo=RIYADH)
    inside = completed_order(seller, window_start)
    outside = completed_order(seller, window_start - SECOND)
    factories.ReviewFactory(order=inside, rating=4, created_at=window_start)
    factories.ReviewFactory(order=outside, rating=1, created_at=window_start - SECOND)

    values = metrics(seller)
    assert values.rating_count == 1
    assert values.rating_sum == 4


def test_completion_counts_closing_time_in_window():
    seller = factories.seller()
    completed_order(seller, CUTOFF - dt.timedelta(days=3))
    service = factories.ServiceFactory(seller=seller)
    factories.OrderFactory(
        service=service, status=Order.Status.CANCELLED,
        created_at=CUTOFF - dt.timedelta(days=500), cancelled_at=CUTOFF - dt.timedelta(days=2),
    )
    factories.OrderFactory(service=service, status=Order.Status.OPEN, created_at=CUTOFF - dt.timedelta(days=1))

    values = metrics(seller)
    assert values.completed_count == 1
    assert values.cancelled_count == 1


def test_state_comes_from_timestamps_not_status():
    # Completed after the cutoff: the order is still open as of the date.
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    factories.OrderFactory(
        service=service, status=Order.Status.COMPLETED,
        created_at=CUTOFF - dt.timedelta(days=3), completed_at=CUTOFF + dt.timedelta(hours=1),
    )

    values = metrics(seller)
    assert values.clients == 0
    assert values.completed_count == 0


def test_excluded_order_and_its_review_count_nowhere():
    seller = factories.seller()
    order = completed_order(seller, CUTOFF - dt.timedelta(days=3), excluded=True, excluded_reason="fraud")
    factories.ReviewFactory(order=order, rating=1, created_at=CUTOFF - dt.timedelta(days=2))

    values = metrics(seller)
    assert values.clients == 0
    assert values.completed_count == 0
    assert values.rating_count == 0


def test_excluded_review_counts_nowhere():
    seller = factories.seller()
    order = completed_order(seller, CUTOFF - dt.timedelta(days=3))
    factories.ReviewFactory(order=order, rating=1, created_at=CUTOFF - dt.timedelta(days=2), excluded=True)

    assert metrics(seller).rating_count == 0
    assert metrics(seller).clients == 1


def inquiry(seller, buyer, started_at, reply_after=None):
    conversation = factories.ConversationFactory(
        seller=seller, buyer=buyer, started_at=started_at,
        first_reply_at=None if reply_after is None else started_at + reply_after,
    )
    return conversation


def test_conversion_within_30_days_of_inquiry():
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    converted_buyer, late_buyer, silent_buyer = factories.UserFactory.create_batch(3)
    start = CUTOFF - dt.timedelta(days=100)

    inquiry(seller, converted_buyer, start)
    factories.OrderFactory(service=service, buyer=converted_buyer, created_at=start + dt.timedelta(days=30) - SECOND)
    inquiry(seller, late_buyer, start)
    factories.OrderFactory(service=service, buyer=late_buyer, created_at=start + dt.timedelta(days=30))
    inquiry(seller, silent_buyer, start)

    values = metrics(seller)
    assert values.decided_count == 3
    assert values.converted_count == 1


def test_open_conversion_window_is_undecided():
    seller = factories.seller()
    buyer = factories.UserFactory()
    # Started 30 days minus one second before the cutoff: its window is still open.
    inquiry(seller, buyer, CUTOFF - dt.timedelta(days=30) + SECOND)
    inquiry(seller, factories.UserFactory(), CUTOFF - dt.timedelta(days=30))

    values = metrics(seller)
    assert values.inquiry_count == 2
    assert values.decided_count == 1
    assert values.converted_count == 0


def test_order_after_cutoff_does_not_convert_yet():
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    buyer = factories.UserFactory()
    inquiry(seller, buyer, CUTOFF - dt.timedelta(days=2))
    factories.OrderFactory(service=service, buyer=buyer, created_at=CUTOFF)

    values = metrics(seller)
    assert values.decided_count == 0
    assert values.converted_count == 0


def test_one_order_converts_several_inquiries():
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    buyer = factories.UserFactory()
    start = CUTOFF - dt.timedelta(days=60)
    inquiry(seller, buyer, start)
    inquiry(seller, buyer, start + dt.timedelta(days=1))
    factories.OrderFactory(service=service, buyer=buyer, created_at=start + dt.timedelta(days=2))

    assert metrics(seller).converted_count == 2


def test_response_time_counts_unanswered_until_cutoff():
    seller = factories.seller()
    inquiry(seller, factories.UserFactory(), CUTOFF - dt.timedelta(hours=10), reply_after=dt.timedelta(hours=2))
    inquiry(seller, factories.UserFactory(), CUTOFF - dt.timedelta(hours=6))
    # Answered only after the cutoff: counts as unanswered as of the date.
    inquiry(seller, factories.UserFactory(), CUTOFF - dt.timedelta(hours=4), reply_after=dt.timedelta(hours=5))

    values = metrics(seller)
    assert values.inquiry_count == 3
    assert values.unanswered_count == 2
    assert values.response_total_us == (2 + 6 + 4) * 3600 * 10**6


def test_excluded_inquiry_counts_nowhere():
    seller = factories.seller()
    factories.ConversationFactory(seller=seller, started_at=CUTOFF - dt.timedelta(days=40), excluded=True)

    values = metrics(seller)
    assert values.inquiry_count == 0
    assert values.decided_count == 0


def populate(sellers: int):
    created = []
    for index in range(sellers):
        seller = factories.seller()
        order = completed_order(seller, CUTOFF - dt.timedelta(days=index + 1))
        factories.ReviewFactory(order=order, rating=5, created_at=CUTOFF - dt.timedelta(days=index + 1))
        inquiry(seller, factories.UserFactory(), CUTOFF - dt.timedelta(days=40), reply_after=dt.timedelta(hours=1))
        created.append(seller)
    return created


@pytest.mark.parametrize("sellers", [3, 25])
def test_query_count_does_not_grow_with_sellers(sellers, django_assert_num_queries):
    created = populate(sellers)

    with django_assert_num_queries(4):
        result = compute_metrics(created[0].pk, created[-1].pk, AS_OF, DEFAULT_POLICY)

    assert len(result) == sellers
    assert all(values.clients == 1 for values in result.values())
