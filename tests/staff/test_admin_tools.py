"""Staff admin tools: actions with their audit events, permissions of the groups, lists and export."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.models import Conversation
from levels import exclusions, nightly
from levels.models import EvaluationRun, ExclusionRequest, LevelEvent, PolicySnapshot, SellerMetrics
from orders.models import Order, Review
from marketplace import clock
from sellers.admin import GraceEndingFilter, SellerProfileAdmin
from sellers.models import SellerProfile
from tests import factories
from tests.staff.conftest import D, RIYADH, make_level_2_seller, noon

pytestmark = pytest.mark.django_db


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def post_action(client, model, action, objects, **form):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], "index": 0, **form}
    return client.post(changelist(model), data)


EXCLUSION_TARGETS = [
    pytest.param(Order, factories.OrderFactory, id="order"),
    pytest.param(Review, factories.ReviewFactory, id="review"),
    pytest.param(Conversation, factories.ConversationFactory, id="inquiry"),
]


@pytest.mark.parametrize(("model", "factory"), EXCLUSION_TARGETS)
def test_manager_excludes_with_reason(manager, model, factory):
    objects = factory.create_batch(2)

    form_page = post_action(manager, model, "exclude_selected", objects)
    response = post_action(manager, model, "exclude_selected", objects, apply="1", reason="Test purchases")

    assert form_page.status_code == 200
    assert 'name="reason"' in form_page.content.decode()
    assert response.status_code == 302
    assert model.objects.filter(excluded=True).count() == 2
    events = LevelEvent.objects.filter(kind=LevelEvent.Kind.EXCLUSION_ADDED)
    assert events.count() == 2
    assert {event.actor.username for event in events} == {"manager"}
    assert {event.reason for event in events} == {"Test purchases"}


@pytest.mark.parametrize(("model", "factory"), EXCLUSION_TARGETS)
def test_manager_includes_again(manager, model, factory):
    obj = factory(excluded=True, excluded_reason="old")

    response = post_action(manager, model, "include_selected", [obj], apply="1", reason="Was a mistake")

    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.excluded is False
    event = LevelEvent.objects.get(kind=LevelEvent.Kind.EXCLUSION_REMOVED)
    assert event.actor.username == "manager"


def test_exclude_without_reason_shows_form(manager):
    order = factories.OrderFactory()

    response = post_action(manager, Order, "exclude_selected", [order], apply="1", reason="")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.excluded is False


@pytest.mark.parametrize("who", ["support", "plain_staff"])
@pytest.mark.parametrize(("model", "factory"), EXCLUSION_TARGETS)
def test_exclusion_forbidden_without_permission(request, who, model, factory):
    client = request.getfixturevalue(who)
    obj = factory()

    response = post_action(client, model, "exclude_selected", [obj], apply="1", reason="x")

    assert response.status_code == 403
    obj.refresh_from_db()
    assert obj.excluded is False
    assert not LevelEvent.objects.exists()


def test_support_sees_no_exclusion_action(support):
    factories.OrderFactory()

    html = support.get(changelist(Order)).content.decode()

    assert "exclude_selected" not in html


def evaluated_seller():
    seller = make_level_2_seller()
    with time_machine.travel(dt.datetime(2025, 7, 1, 3, tzinfo=RIYADH), tick=False):
        nightly.evaluate_date(D)
    return seller


def test_manager_reevaluates_after_exclusion(manager):
    seller = evaluated_seller()
    profile = SellerProfile.objects.get(user=seller)
    assert profile.level == 2
    for review in Review.objects.filter(seller=seller):
        exclusions.review_exclude(review=review, reason="Reviews by a ring", actor=profile.user)

    response = post_action(manager, SellerProfile, "reevaluate_selected", [profile], apply="1",
                           reason="Reviews excluded")

    assert response.status_code == 302
    profile.refresh_from_db()
    # Without reviews the rating criterion fails, so a grace period starts.
    assert profile.grace_ends_on is not None
    reevaluated = LevelEvent.objects.get(kind=LevelEvent.Kind.REEVALUATED)
    assert reevaluated.actor.username == "manager"
    assert reevaluated.reason == "Reviews excluded"
    assert reevaluated.evaluated_on == D
    grace = LevelEvent.objects.get(kind=LevelEvent.Kind.GRACE_STARTED)
    assert grace.actor.username == "manager"


def test_reevaluate_unchanged_seller_still_recorded(manager):
    profile = SellerProfile.objects.get(user=evaluated_seller())

    post_action(manager, SellerProfile, "reevaluate_selected", [profile], apply="1", reason="Appeal")

    event = LevelEvent.objects.get(kind=LevelEvent.Kind.REEVALUATED)
    assert (event.from_level, event.to_level) == (2, 2)


@pytest.mark.parametrize("who", ["support", "plain_staff"])
def test_reevaluate_forbidden_without_permission(request, who):
    client = request.getfixturevalue(who)
    profile = SellerProfile.objects.get(user=evaluated_seller())
    before = LevelEvent.objects.count()

    response = post_action(client, SellerProfile, "reevaluate_selected", [profile], apply="1", reason="x")

    assert response.status_code == 403
    assert LevelEvent.objects.count() == before


def test_manager_pins_level(manager):
    profile = factories.seller(level=1).seller_profile
    url = reverse("admin:sellers_sellerprofile_pin", args=[profile.pk])

    response = manager.post(url, {"level": 2, "reason": "Partner", "ends_on": ""})

    assert response.status_code == 302
    event = LevelEvent.objects.get(kind=LevelEvent.Kind.OVERRIDE_SET)
    assert event.actor.username == "manager"


def test_support_cannot_pin(support):
    profile = factories.seller(level=1).seller_profile
    url = reverse("admin:sellers_sellerprofile_pin", args=[profile.pk])

    page = support.get(reverse("admin:sellers_sellerprofile_change", args=[profile.pk]))
    response = support.post(url, {"level": 2, "reason": "Partner"})

    assert page.status_code == 200
    assert url not in page.content.decode()
    assert response.status_code == 403
    assert not LevelEvent.objects.exists()


def pending_request():
    owner = factories.seller()
    order = factories.OrderFactory(
        service=factories.ServiceFactory(seller=owner), status=Order.Status.CANCELLED,
        created_at=noon(D), cancelled_at=noon(D),
    )
    return exclusions.exclusion_request_create(seller=owner, order=order, reason="Buyer disappeared")


@pytest.mark.parametrize("who", ["support", "manager"])
def test_groups_approve_requests(request, who):
    client = request.getfixturevalue(who)
    exclusion_request = pending_request()

    response = post_action(client, ExclusionRequest, "approve_selected", [exclusion_request], apply="1", note="")

    assert response.status_code == 302
    exclusion_request.refresh_from_db()
    assert exclusion_request.status == ExclusionRequest.Status.APPROVED
    assert exclusion_request.order.excluded is True
    event = LevelEvent.objects.get(kind=LevelEvent.Kind.EXCLUSION_ADDED)
    assert event.actor == exclusion_request.decided_by
    assert event.details["exclusion_request_id"] == exclusion_request.pk


def test_support_rejects_with_note(support):
    exclusion_request = pending_request()

    without_note = post_action(support, ExclusionRequest, "reject_selected", [exclusion_request], apply="1", note="")
    exclusion_request.refresh_from_db()
    assert exclusion_request.status == ExclusionRequest.Status.PENDING
    response = post_action(support, ExclusionRequest, "reject_selected", [exclusion_request], apply="1",
                           note="The seller cancelled")

    assert without_note.status_code == 302
    assert response.status_code == 302
    exclusion_request.refresh_from_db()
    assert exclusion_request.status == ExclusionRequest.Status.REJECTED
    assert exclusion_request.decision_note == "The seller cancelled"


def test_plain_staff_cannot_decide(plain_staff):
    exclusion_request = pending_request()

    response = post_action(plain_staff, ExclusionRequest, "approve_selected", [exclusion_request], apply="1")

    assert response.status_code == 403
    exclusion_request.refresh_from_db()
    assert exclusion_request.status == ExclusionRequest.Status.PENDING


def test_support_can_view_levels_data(support):
    for model in (SellerProfile, LevelEvent, SellerMetrics, EvaluationRun, ExclusionRequest, Order):
        assert support.get(changelist(model)).status_code == 200


# Seller list


def add_sellers(count, today):
    for i in range(count):
        user = factories.seller(
            level=2, grace_started_on=today, grace_ends_on=today + dt.timedelta(days=10 + i),
            override_level=2 if i % 2 else None,
        )
        SellerMetrics.objects.create(
            seller=user, evaluated_on=today, clients=12, rating_sum=3996, rating_count=1000,
            completed_count=9, cancelled_count=1, inquiry_count=2, decided_count=2, converted_count=1,
            response_total_us=10 * 3600 * 10**6,
        )


@pytest.mark.parametrize("query", [{}, {"in_grace": "yes", "grace_ending": "soon", "pinned": "yes", "level": "2"}])
def test_seller_list_queries_constant(manager, query):
    today = clock.local_today()
    add_sellers(2, today)
    with CaptureQueriesContext(connection) as small:
        assert manager.get(changelist(SellerProfile), query).status_code == 200
    add_sellers(18, today)
    with CaptureQueriesContext(connection) as large:
        assert manager.get(changelist(SellerProfile), query).status_code == 200

    # Session, user, the user's permissions (groups and own), the filtered
    # count and the page.
    assert len(small) == len(large)
    assert len(large) == 6


def test_seller_list_shows_metrics_toward_failing(manager):
    add_sellers(1, clock.local_today())

    html = manager.get(changelist(SellerProfile)).content.decode()

    # The Arabic locale writes the decimal separator as a comma.
    assert re.search(r'field-rating">3[.,]99<', html)
    assert re.search(r'field-completion_rate">90<', html)


def test_grace_ending_filter():
    today = clock.local_today()
    soon = factories.seller(level=2, grace_started_on=today, grace_ends_on=today + dt.timedelta(days=30))
    later = factories.seller(level=2, grace_started_on=today, grace_ends_on=today + dt.timedelta(days=31))
    listed = GraceEndingFilter(None, {"grace_ending": ["soon"]}, SellerProfile,
                               SellerProfileAdmin(SellerProfile, admin.site))
    ids = set(listed.queryset(None, SellerProfile.objects.all()).values_list("user_id", flat=True))

    assert soon.pk in ids
    assert later.pk not in ids


def test_export_streams_filtered_csv(support):
    add_sellers(2, clock.local_today())
    factories.seller(user__username="level_one_only", level=1)

    response = support.get(reverse("admin:sellers_sellerprofile_export"), {"level": "2"})

    assert response.status_code == 200
    assert response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("username,display_name,external_id,level")
    assert len(lines) == 3
    assert "level_one_only" not in "\n".join(lines)
    assert ",3.99," in lines[1]


def test_seller_page_shows_events_and_services(support):
    seller = factories.seller(level=1)
    factories.ServiceFactory(seller=seller, title="Paused one", status="paused", pause_reason="over_level_cap")
    snapshot = PolicySnapshot.objects.create(digest="abcdef0123456789", data={})
    LevelEvent.objects.create(
        seller=seller, kind=LevelEvent.Kind.DEMOTED, evaluated_on=D, from_level=2, to_level=1,
        metrics={"clients": 3}, thresholds={"clients": 10}, policy=snapshot,
    )

    html = support.get(reverse("admin:sellers_sellerprofile_change", args=[seller.seller_profile.pk])).content
    html = html.decode()

    assert "abcdef0123456789" in html
    assert "clients: 3" in html
    assert "Paused one" in html


def test_failed_run_shows_error(support):
    snapshot = PolicySnapshot.objects.create(digest="0123456789abcdef", data={})
    run = EvaluationRun.objects.create(
        evaluated_on=D, started_at=noon(D), finished_at=noon(D), policy=snapshot,
        status=EvaluationRun.Status.FAILED, error="Traceback\nRuntimeError: disk full",
    )

    listing = support.get(changelist(EvaluationRun)).content.decode()
    page = support.get(reverse("admin:levels_evaluationrun_change", args=[run.pk])).content.decode()

    assert "RuntimeError: disk full" in listing
    assert "RuntimeError: disk full" in page
