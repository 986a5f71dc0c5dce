"""Exclusion services and exclusion requests: the row, the audit event and the effect on metrics."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from levels import exclusions, nightly
from levels.models import ExclusionRequest, LevelEvent, SellerMetrics
from orders.models import Order
from sellers.models import SellerProfile
from tests import factories
from tests.staff.conftest import D, RIYADH, make_level_2_seller, noon, staff_user

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 7, 1, 10, tzinfo=RIYADH)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.parametrize(("factory", "exclude", "include", "argument", "object_type"), [
    (factories.OrderFactory, exclusions.order_exclude, exclusions.order_include, "order", "order"),
    (factories.ReviewFactory, exclusions.review_exclude, exclusions.review_include, "review", "review"),
    (factories.ConversationFactory, exclusions.conversation_exclude, exclusions.conversation_include,
     "conversation", "inquiry"),
])
def test_exclude_and_include_record_events(factory, exclude, include, argument, object_type):
    obj = factory(external_id="ext-1")
    actor = staff_user("ops")

    exclude(**{argument: obj, "reason": "Fraudulent buyer", "actor": actor})
    obj.refresh_from_db()
    assert obj.excluded is True
    assert obj.excluded_reason == "Fraudulent buyer"
    assert obj.excluded_by == actor
    assert obj.excluded_at is not None
    added = LevelEvent.objects.get(kind=LevelEvent.Kind.EXCLUSION_ADDED)
    assert added.seller_id == obj.seller_id
    assert added.actor == actor
    assert added.evaluated_on == TODAY.date()
    assert added.details == {
        "object_type": object_type, "object_id": obj.pk, "external_id": "ext-1", "reason": "Fraudulent buyer",
    }

    include(**{argument: obj, "reason": "Buyer cleared", "actor": actor})
    obj.refresh_from_db()
    assert obj.excluded is False
    assert obj.excluded_by is None
    removed = LevelEvent.objects.get(kind=LevelEvent.Kind.EXCLUSION_REMOVED)
    assert removed.reason == "Buyer cleared"
    assert removed.details["excluded_reason"] == "Fraudulent buyer"


def test_exclude_twice_rejected():
    order = factories.OrderFactory()
    actor = staff_user("ops")
    exclusions.order_exclude(order=order, reason="spam", actor=actor)

    with pytest.raises(ValidationError):
        exclusions.order_exclude(order=order, reason="again", actor=actor)
    assert LevelEvent.objects.count() == 1


def test_exclude_requires_reason():
    order = factories.OrderFactory()

    with pytest.raises(ValidationError):
        exclusions.order_exclude(order=order, reason="  ", actor=staff_user("ops"))
    order.refresh_from_db()
    assert order.excluded is False


def test_include_of_included_rejected():
    with pytest.raises(ValidationError):
        exclusions.order_include(order=factories.OrderFactory(), reason="x", actor=staff_user("ops"))


def cancelled_order(seller):
    return factories.OrderFactory(
        service=factories.ServiceFactory(seller=seller), status=Order.Status.CANCELLED,
        created_at=noon(D) - dt.timedelta(days=2), cancelled_at=noon(D),
    )


def test_request_rejects_other_sellers_order():
    order = cancelled_order(factories.seller())

    with pytest.raises(ValidationError):
        exclusions.exclusion_request_create(seller=factories.seller(), order=order, reason="buyer vanished")
    assert not ExclusionRequest.objects.exists()


def test_request_rejects_open_order():
    owner = factories.seller()
    order = factories.OrderFactory(service=factories.ServiceFactory(seller=owner))

    with pytest.raises(ValidationError):
        exclusions.exclusion_request_create(seller=owner, order=order, reason="buyer vanished")


def test_request_rejects_second_pending():
    owner = factories.seller()
    order = cancelled_order(owner)
    exclusions.exclusion_request_create(seller=owner, order=order, reason="buyer vanished")

    with pytest.raises(ValidationError):
        exclusions.exclusion_request_create(seller=owner, order=order, reason="again")
    assert ExclusionRequest.objects.count() == 1


def test_request_for_spam_inquiry():
    conversation = factories.ConversationFactory()

    request = exclusions.exclusion_request_create(
        seller=conversation.seller, conversation=conversation, reason="advertising",
    )

    assert request.kind == ExclusionRequest.Kind.SPAM_INQUIRY
    assert request.status == ExclusionRequest.Status.PENDING


def test_rejection_kept_without_exclusion():
    owner = factories.seller()
    order = cancelled_order(owner)
    request = exclusions.exclusion_request_create(seller=owner, order=order, reason="buyer vanished")
    actor = staff_user("helper")

    decided = exclusions.exclusion_request_decide(request=request, approve=False, note="Seller cancelled", actor=actor)

    assert decided.status == ExclusionRequest.Status.REJECTED
    assert decided.decided_by == actor
    assert decided.decision_note == "Seller cancelled"
    order.refresh_from_db()
    assert order.excluded is False
    assert not LevelEvent.objects.exists()
    with pytest.raises(ValidationError):
        exclusions.exclusion_request_decide(request=request, approve=True, note="", actor=actor)


def test_approved_request_changes_next_evaluation():
    # 10 completed and 3 cancelled orders: a completion rate of 10/13 < 80%.
    seller = make_level_2_seller(cancelled=3)
    with time_machine.travel(dt.datetime(2025, 7, 1, 3, tzinfo=RIYADH), tick=False):
        nightly.evaluate_date(D)
    assert SellerProfile.objects.get(user=seller).level == 1

    cancelled = list(Order.objects.filter(seller=seller, status=Order.Status.CANCELLED))
    actor = staff_user("helper")
    for order in cancelled[:2]:
        request = exclusions.exclusion_request_create(seller=seller, order=order, reason="Buyer never replied")
        exclusions.exclusion_request_decide(request=request, approve=True, note="Checked", actor=actor)

    event = LevelEvent.objects.filter(kind=LevelEvent.Kind.EXCLUSION_ADDED).first()
    assert event.actor == actor
    assert event.details["exclusion_request_id"] is not None
    with time_machine.travel(dt.datetime(2025, 7, 2, 3, tzinfo=RIYADH), tick=False):
        nightly.evaluate_date(D + dt.timedelta(days=1))

    # 10 / 11 completed is above 80%.
    assert SellerProfile.objects.get(user=seller).level == 2
    assert SellerMetrics.objects.get(seller=seller).cancelled_count == 1
