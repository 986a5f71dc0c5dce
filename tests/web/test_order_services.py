"""The order life cycle: placing, delivering, completing, cancelling, reviewing."""

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from orders.models import Order, Review
from orders.services import (
    order_cancel,
    order_complete,
    order_deliver,
    order_place,
    review_create,
)
from services.models import Service
from tests.factories import BASE_TIME, OrderFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory(price=Decimal("30.00"))


@pytest.fixture
def buyer():
    return UserFactory()


def delivered(service, buyer):
    order = order_place(buyer=buyer, service=service)
    return order_deliver(order=order, actor=service.seller)


def test_place_copies_price_and_seller(service, buyer):
    with time_machine.travel(BASE_TIME, tick=False):
        order = order_place(buyer=buyer, service=service)

    assert order.price == Decimal("30.00")
    assert order.seller_id == service.seller_id
    assert order.status == Order.Status.OPEN
    assert order.created_at == BASE_TIME


def test_place_keeps_price_after_repricing(service, buyer):
    order = order_place(buyer=buyer, service=service)
    Service.objects.filter(pk=service.pk).update(price=Decimal("45.00"))

    order.refresh_from_db()
    assert order.price == Decimal("30.00")


def test_place_own_service_rejected(service):
    with pytest.raises(ValidationError):
        order_place(buyer=service.seller, service=service)
    assert not Order.objects.exists()


@pytest.mark.parametrize("status", [Service.Status.DRAFT, Service.Status.PAUSED])
def test_place_inactive_service_rejected(buyer, status):
    reason = Service.PauseReason.SELLER if status == Service.Status.PAUSED else ""
    service = ServiceFactory(status=status, pause_reason=reason)

    with pytest.raises(ValidationError):
        order_place(buyer=buyer, service=service)


def test_full_life_cycle_sets_timestamps(service, buyer):
    with time_machine.travel(BASE_TIME, tick=False):
        order = order_place(buyer=buyer, service=service)
    with time_machine.travel(BASE_TIME.replace(hour=10), tick=False):
        order = order_deliver(order=order, actor=service.seller)
    with time_machine.travel(BASE_TIME.replace(hour=11), tick=False):
        order = order_complete(order=order, actor=buyer)
        review = review_create(order=order, actor=buyer, rating=4, comment="عمل ممتاز")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.delivered_at == BASE_TIME.replace(hour=10)
    assert order.completed_at == BASE_TIME.replace(hour=11)
    assert review.seller_id == service.seller_id
    assert review.rating == 4
    assert review.created_at == BASE_TIME.replace(hour=11)


def test_buyer_cannot_deliver(service, buyer):
    order = order_place(buyer=buyer, service=service)

    with pytest.raises(ValidationError):
        order_deliver(order=order, actor=buyer)


def test_complete_before_delivery_rejected(service, buyer):
    order = order_place(buyer=buyer, service=service)

    with pytest.raises(ValidationError):
        order_complete(order=order, actor=buyer)


def test_seller_cannot_complete(service, buyer):
    order = delivered(service, buyer)

    with pytest.raises(ValidationError):
        order_complete(order=order, actor=service.seller)


def test_deliver_twice_rejected(service, buyer):
    order = delivered(service, buyer)

    with pytest.raises(ValidationError):
        order_deliver(order=order, actor=service.seller)


def test_stranger_cannot_change_order(service, buyer):
    order = order_place(buyer=buyer, service=service)
    stranger = UserFactory()

    for write in (order_deliver, order_complete):
        with pytest.raises(ValidationError):
            write(order=order, actor=stranger)
    with pytest.raises(ValidationError):
        order_cancel(order=order, actor=stranger, reason="x")


@pytest.mark.parametrize("side", ["buyer", "seller"])
def test_cancel_records_side_and_reason(service, buyer, side):
    order = order_place(buyer=buyer, service=service)
    actor = buyer if side == "buyer" else service.seller

    with time_machine.travel(BASE_TIME.replace(year=2030), tick=False):
        order = order_cancel(order=order, actor=actor, reason="  تغيرت الخطة  ")

    assert order.status == Order.Status.CANCELLED
    assert order.cancelled_by == side
    assert order.cancel_reason == "تغيرت الخطة"
    assert order.cancelled_at == BASE_TIME.replace(year=2030)


def test_cancel_after_delivery_allowed(service, buyer):
    order = delivered(service, buyer)

    assert order_cancel(order=order, actor=buyer, reason="late").status == Order.Status.CANCELLED


def test_cancel_after_completion_rejected(service, buyer):
    order = order_complete(order=delivered(service, buyer), actor=buyer)

    with translation.override("ar"), pytest.raises(ValidationError) as raised:
        order_cancel(order=order, actor=service.seller, reason="x")

    assert "لا يمكن" in raised.value.messages[0]
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_cancel_twice_rejected(service, buyer):
    order = order_cancel(order=order_place(buyer=buyer, service=service), actor=buyer, reason="x")

    with pytest.raises(ValidationError):
        order_cancel(order=order, actor=buyer, reason="y")


def test_cancel_without_reason_rejected(service, buyer):
    order = order_place(buyer=buyer, service=service)

    with pytest.raises(ValidationError) as raised:
        order_cancel(order=order, actor=buyer, reason="   ")

    assert "reason" in raised.value.message_dict


def test_review_before_completion_rejected(service, buyer):
    order = delivered(service, buyer)

    with pytest.raises(ValidationError):
        review_create(order=order, actor=buyer, rating=5)


def test_review_twice_rejected(service, buyer):
    order = order_complete(order=delivered(service, buyer), actor=buyer)
    review_create(order=order, actor=buyer, rating=5)

    with pytest.raises(ValidationError):
        review_create(order=order, actor=buyer, rating=1)
    assert Review.objects.count() == 1


def test_review_by_seller_rejected(service, buyer):
    order = order_complete(order=delivered(service, buyer), actor=buyer)

    with pytest.raises(ValidationError):
        review_create(order=order, actor=service.seller, rating=5)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_review_rating_out_of_range_rejected(service, buyer, rating):
    order = order_complete(order=delivered(service, buyer), actor=buyer)

    with pytest.raises(ValidationError) as raised:
        review_create(order=order, actor=buyer, rating=rating)

    assert "rating" in raised.value.message_dict


def test_transition_reads_locked_row_not_stale_instance(service, buyer):
    order = order_place(buyer=buyer, service=service)
    stale = Order.objects.get(pk=order.pk)
    order_cancel(order=order, actor=buyer, reason="x")

    # The stale copy still has status "open", but the write must read the cancellation.
    with pytest.raises(ValidationError):
        order_deliver(order=stale, actor=service.seller)


def test_completed_order_factory_is_reviewable():
    order = OrderFactory(status=Order.Status.COMPLETED, completed_at=BASE_TIME)

    review = review_create(order=order, actor=order.buyer, rating=3)

    assert review.seller_id == order.seller_id
