import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from conversations.models import Conversation, Message
from levels.models import (
    EvaluationBatch, EvaluationRun, ExclusionRequest, LevelEvent, PolicySnapshot, SellerMetrics,
)
from orders.models import Order, Review
from sellers.models import SellerProfile
from services.models import Category, Service
from tests.factories import (
    BASE_TIME,
    CategoryFactory,
    ConversationFactory,
    MessageFactory,
    OrderFactory,
    ReviewFactory,
    SellerProfileFactory,
    ServiceFactory,
    UserFactory,
    seller,
)

pytestmark = pytest.mark.django_db

EVALUATED_ON = dt.date(2025, 1, 1)


@pytest.fixture
def superuser_client(client):
    user = User.objects.create_superuser("root", "root@example.com", "pass-Word-123")
    client.force_login(user)
    return client


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def policy_snapshot(n: int = 0) -> PolicySnapshot:
    snapshot, _created = PolicySnapshot.objects.get_or_create(
        digest=f"digest{n:010d}", defaults={"data": {"grace_days": 180}},
    )
    return snapshot


# Builders that add ``count`` rows of one model, with every related object a
# list column shows, so a query per row would show up in the count.


def add_users(count):
    for _ in range(count):
        SellerProfileFactory()
        UserFactory()


def add_seller_profiles(count):
    for i in range(count):
        user = seller(level=2, grace_started_on=EVALUATED_ON, grace_ends_on=EVALUATED_ON + dt.timedelta(days=180))
        SellerMetrics.objects.create(seller=user, evaluated_on=EVALUATED_ON, score=i / 100)


def add_categories(count):
    CategoryFactory.create_batch(count)


def add_services(count):
    ServiceFactory.create_batch(count)


def add_orders(count):
    OrderFactory.create_batch(count)


def add_reviews(count):
    ReviewFactory.create_batch(count)


def add_conversations(count):
    for _ in range(count):
        service = ServiceFactory()
        ConversationFactory(seller=service.seller, service=service)


def add_messages(count):
    MessageFactory.create_batch(count)


def add_seller_metrics(count):
    for i in range(count):
        SellerMetrics.objects.create(
            seller=seller(), evaluated_on=EVALUATED_ON, rating_sum=9, rating_count=2,
            completed_count=3, cancelled_count=1, inquiry_count=2, decided_count=2, converted_count=1,
            response_total_us=10 * 3600 * 10**6, score=i / 100,
        )


def _run(day_offset: int, policy: PolicySnapshot) -> EvaluationRun:
    return EvaluationRun.objects.create(
        evaluated_on=EVALUATED_ON + dt.timedelta(days=day_offset), started_at=BASE_TIME,
        finished_at=BASE_TIME + dt.timedelta(minutes=1), policy=policy, status=EvaluationRun.Status.DONE,
    )


def add_level_events(count):
    policy = policy_snapshot()
    run = _run(EvaluationRun.objects.count(), policy)
    staff = UserFactory(is_staff=True)
    for i in range(count):
        LevelEvent.objects.create(
            seller=seller(), kind=LevelEvent.Kind.PROMOTED, evaluated_on=EVALUATED_ON,
            from_level=1, to_level=2, policy=policy,
            run=run if i % 2 else None, actor=None if i % 2 else staff,
        )


def add_exclusion_requests(count):
    staff = UserFactory(is_staff=True)
    for i in range(count):
        if i % 2:
            target = ConversationFactory()
            ExclusionRequest.objects.create(
                seller=target.seller, kind=ExclusionRequest.Kind.SPAM_INQUIRY, conversation=target, reason="spam",
            )
        else:
            target = OrderFactory(status=Order.Status.CANCELLED, cancelled_at=BASE_TIME)
            ExclusionRequest.objects.create(
                seller=target.seller, kind=ExclusionRequest.Kind.BUYER_CANCELLATION, order=target,
                reason="buyer left", status=ExclusionRequest.Status.REJECTED, decided_by=staff,
                decided_at=BASE_TIME,
            )


def add_evaluation_runs(count):
    policy = policy_snapshot()
    start = EvaluationRun.objects.count()
    for i in range(count):
        _run(start + i, policy)


def add_evaluation_batches(count):
    policy = policy_snapshot()
    start = EvaluationRun.objects.count()
    for i in range(count):
        EvaluationBatch.objects.create(run=_run(start + i, policy), first_seller_id=1, last_seller_id=100)


def add_policy_snapshots(count):
    start = PolicySnapshot.objects.count()
    for i in range(count):
        policy_snapshot(start + i + 1)


# Queries of one changelist page for a logged-in superuser, whatever the
# number of rows: the session, the user, the filtered count and the page
# itself, plus the unfiltered count on small tables (the large ones set
# show_full_result_count = False), the category filter of services and the
# date hierarchy of runs. The pins catch a column that starts to query per row.
CHANGELISTS = [
    pytest.param(User, add_users, 4, id="user"),
    pytest.param(SellerProfile, add_seller_profiles, 4, id="sellerprofile"),
    pytest.param(Category, add_categories, 5, id="category"),
    pytest.param(Service, add_services, 5, id="service"),
    pytest.param(Order, add_orders, 4, id="order"),
    pytest.param(Review, add_reviews, 4, id="review"),
    pytest.param(Conversation, add_conversations, 4, id="conversation"),
    pytest.param(Message, add_messages, 4, id="message"),
    pytest.param(SellerMetrics, add_seller_metrics, 4, id="sellermetrics"),
    pytest.param(LevelEvent, add_level_events, 4, id="levelevent"),
    pytest.param(EvaluationRun, add_evaluation_runs, 7, id="evaluationrun"),
    pytest.param(EvaluationBatch, add_evaluation_batches, 5, id="evaluationbatch"),
    pytest.param(PolicySnapshot, add_policy_snapshots, 5, id="policysnapshot"),
    pytest.param(ExclusionRequest, add_exclusion_requests, 4, id="exclusionrequest"),
]


def count_changelist_queries(client, model) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist_url(model))
    return response.status_code, len(queries)


@pytest.mark.parametrize(("model", "add_rows", "expected_queries"), CHANGELISTS)
def test_changelist_queries_constant(superuser_client, model, add_rows, expected_queries):
    add_rows(2)
    status_small, queries_small = count_changelist_queries(superuser_client, model)
    add_rows(18)
    status_large, queries_large = count_changelist_queries(superuser_client, model)

    assert status_small == 200
    assert status_large == 200
    assert queries_small == queries_large
    assert queries_large == expected_queries


def test_every_registered_model_covered():
    covered = {param.values[0] for param in CHANGELISTS}
    ours = {model for model in admin.site._registry if model._meta.app_label in {
        "accounts", "sellers", "services", "orders", "conversations", "levels",
    }}

    assert ours == covered


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_renders(superuser_client, model):
    response = superuser_client.get(changelist_url(model))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "add_rows"), [
    pytest.param(param.values[0], param.values[1], id=param.id) for param in CHANGELISTS
])
def test_change_page_renders(superuser_client, model, add_rows):
    add_rows(1)
    obj = model.objects.order_by("-pk").first()

    response = superuser_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["Salma", "sal-ext-7", "salma_q"])
def test_user_search_by_name_and_ids(superuser_client, query):
    UserFactory(username="salma_q", display_name="Salma", external_id="sal-ext-7")
    UserFactory(username="other")

    response = superuser_client.get(changelist_url(User), {"q": query})

    assert response.status_code == 200
    html = response.content.decode()
    assert "salma_q" in html
    assert ">other<" not in html


def test_seller_profile_search_by_external_id(superuser_client):
    seller(user__username="amal", user__external_id="ext-amal")
    seller(user__username="nour")

    html = superuser_client.get(changelist_url(SellerProfile), {"q": "ext-amal"}).content.decode()

    assert "amal" in html
    assert "nour" not in html


READ_ONLY_MODELS = [
    pytest.param(SellerMetrics, add_seller_metrics, id="sellermetrics"),
    pytest.param(LevelEvent, add_level_events, id="levelevent"),
    pytest.param(EvaluationRun, add_evaluation_runs, id="evaluationrun"),
    pytest.param(EvaluationBatch, add_evaluation_batches, id="evaluationbatch"),
    pytest.param(PolicySnapshot, add_policy_snapshots, id="policysnapshot"),
    pytest.param(Message, add_messages, id="message"),
    pytest.param(ExclusionRequest, add_exclusion_requests, id="exclusionrequest"),
]


@pytest.mark.parametrize(("model", "add_rows"), READ_ONLY_MODELS)
def test_read_only_admin_rejects_add(superuser_client, model, add_rows):
    response = superuser_client.get(admin_url(model, "add"))

    assert response.status_code == 403


@pytest.mark.parametrize(("model", "add_rows"), READ_ONLY_MODELS)
def test_read_only_admin_rejects_delete(superuser_client, model, add_rows):
    add_rows(1)
    obj = model.objects.order_by("-pk").first()

    get_response = superuser_client.get(admin_url(model, "delete", obj.pk))
    post_response = superuser_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert get_response.status_code == 403
    assert post_response.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(("model", "add_rows"), READ_ONLY_MODELS)
def test_read_only_admin_rejects_change(superuser_client, model, add_rows):
    add_rows(1)
    obj = model.objects.order_by("-pk").first()

    response = superuser_client.post(admin_url(model, "change", obj.pk), {})

    assert response.status_code == 403


@pytest.mark.parametrize(("model", "add_rows"), READ_ONLY_MODELS)
def test_read_only_changelist_offers_no_delete_action(superuser_client, model, add_rows):
    add_rows(1)

    html = superuser_client.get(changelist_url(model)).content.decode()

    assert "delete_selected" not in html


def test_seller_profile_level_fields_not_editable(superuser_client):
    user = seller(level=2, grace_started_on=EVALUATED_ON, grace_ends_on=EVALUATED_ON + dt.timedelta(days=180))
    profile = user.seller_profile

    response = superuser_client.post(admin_url(SellerProfile, "change", profile.pk), {
        "level": 3, "qualifying_level": 3, "grace_started_on": "", "grace_ends_on": "", "override_level": 1,
    })

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.level == 2
    assert profile.qualifying_level == 1
    assert profile.grace_ends_on == EVALUATED_ON + dt.timedelta(days=180)
    assert profile.override_level is None


def test_seller_profile_page_shows_metrics_and_events(superuser_client):
    user = seller(level=2)
    SellerMetrics.objects.create(seller=user, evaluated_on=EVALUATED_ON, rating_sum=999, rating_count=250)
    policy = policy_snapshot()
    for day in range(25):
        LevelEvent.objects.create(
            seller=user, kind=LevelEvent.Kind.PROMOTED, evaluated_on=EVALUATED_ON + dt.timedelta(days=day),
            from_level=1, to_level=2, policy=policy, reason=f"reason-{day}",
        )

    html = superuser_client.get(admin_url(SellerProfile, "change", user.seller_profile.pk)).content.decode()

    assert "3.99" in html
    assert "reason-24" in html
    assert "reason-5" in html
    assert "reason-4<" not in html
    assert f"seller__id__exact={user.pk}" in html


def test_seller_profile_events_link_filters_by_seller(superuser_client):
    policy = policy_snapshot()
    first, second = seller(), seller()
    for user in (first, second):
        LevelEvent.objects.create(
            seller=user, kind=LevelEvent.Kind.PROMOTED, evaluated_on=EVALUATED_ON,
            from_level=1, to_level=2, policy=policy, reason=f"reason-of-{user.username}",
        )

    response = superuser_client.get(changelist_url(LevelEvent), {"seller__id__exact": first.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert str(first) in html
    assert str(second) not in html


def test_seller_profile_add_starts_on_level_one(superuser_client):
    user = UserFactory()

    response = superuser_client.post(admin_url(SellerProfile, "add"), {"user": user.pk})

    assert response.status_code == 302
    assert SellerProfile.objects.get(user=user).level == 1


def service_form(user, category, **overrides):
    data = {
        "seller": user.pk,
        "category": category.pk,
        "title": "ترجمة",
        "description": "",
        "price": "40.00",
        "delivery_days": 3,
        "status": Service.Status.ACTIVE,
        "pause_reason": "",
        "paused_at_0": "",
        "paused_at_1": "",
        "created_at_0": "2025-01-01",
        "created_at_1": "10:00:00",
        "external_id": "",
    }
    data.update(overrides)
    return data


def test_service_admin_rejects_price_above_level(superuser_client):
    user = seller(level=1)
    category = CategoryFactory()

    response = superuser_client.post(admin_url(Service, "add"), service_form(user, category, price="80.00"))

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not Service.objects.filter(seller=user).exists()


def test_service_admin_rejects_active_count_above_level(superuser_client):
    user = seller(level=1)
    category = CategoryFactory()
    ServiceFactory.create_batch(5, seller=user, category=category)

    response = superuser_client.post(admin_url(Service, "add"), service_form(user, category))

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Service.objects.filter(seller=user).count() == 5


def test_service_admin_saves_within_caps(superuser_client):
    user = seller(level=2)
    category = CategoryFactory()

    response = superuser_client.post(admin_url(Service, "add"), service_form(user, category, price="95.00"))

    assert response.status_code == 302
    assert Service.objects.get(seller=user).price == Decimal("95.00")


def test_order_exclusion_fields_not_editable(superuser_client):
    order = OrderFactory()

    superuser_client.post(admin_url(Order, "change", order.pk), {
        "service": order.service_id, "seller": order.seller_id, "buyer": order.buyer_id,
        "price": "20.00", "status": Order.Status.OPEN, "created_at_0": "2025-01-01",
        "created_at_1": "09:00:00", "excluded": "on", "excluded_reason": "spam",
    })

    order.refresh_from_db()
    assert order.excluded is False
    assert order.excluded_reason == ""


def pin_url(profile, view: str) -> str:
    return reverse(f"admin:sellers_sellerprofile_{view}", args=[profile.pk])


def test_pin_page_pins_level_with_event(superuser_client):
    user = seller(level=1)
    profile = user.seller_profile

    page = superuser_client.get(pin_url(profile, "pin"))
    response = superuser_client.post(pin_url(profile, "pin"), {"level": 3, "reason": "Top partner", "ends_on": ""})

    assert page.status_code == 200
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.level == 3
    assert profile.override_level == 3
    event = LevelEvent.objects.get(seller=user)
    assert event.kind == LevelEvent.Kind.OVERRIDE_SET
    assert event.actor.username == "root"
    assert event.reason == "Top partner"


def test_pin_page_rejects_past_end_date(superuser_client):
    profile = seller(level=1).seller_profile

    response = superuser_client.post(
        pin_url(profile, "pin"), {"level": 2, "reason": "Appeal", "ends_on": "2000-01-01"},
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    profile.refresh_from_db()
    assert profile.override_level is None
    assert not LevelEvent.objects.exists()


def test_pin_page_requires_reason(superuser_client):
    profile = seller(level=1).seller_profile

    response = superuser_client.post(pin_url(profile, "pin"), {"level": 2, "reason": ""})

    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.override_level is None


def test_unpin_page_lifts_pin_with_event(superuser_client):
    user = seller(level=1)
    profile = user.seller_profile
    superuser_client.post(pin_url(profile, "pin"), {"level": 2, "reason": "Appeal accepted"})

    change_page = superuser_client.get(admin_url(SellerProfile, "change", profile.pk)).content.decode()
    response = superuser_client.post(pin_url(profile, "unpin"), {"reason": "Appeal reviewed"})

    assert pin_url(profile, "unpin") in change_page
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.override_level is None
    lifted = LevelEvent.objects.filter(seller=user).first()
    assert lifted.kind == LevelEvent.Kind.OVERRIDE_LIFTED
    assert lifted.reason == "Appeal reviewed"


def test_unpin_page_rejects_unpinned_seller(superuser_client):
    profile = seller(level=1).seller_profile

    response = superuser_client.post(pin_url(profile, "unpin"), {"reason": "Nothing to lift"})

    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not LevelEvent.objects.exists()


def test_pin_page_needs_change_permission(client):
    viewer = User.objects.create_user("viewer", password="pass-Word-123", is_staff=True)
    client.force_login(viewer)
    profile = seller(level=1).seller_profile

    response = client.post(pin_url(profile, "pin"), {"level": 3, "reason": "x"})

    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.override_level is None


def test_user_list_filters_sellers(superuser_client):
    seller(user__username="with_profile")
    UserFactory(username="without_profile")

    sellers_html = superuser_client.get(changelist_url(User), {"seller_profile__isempty": "0"}).content.decode()
    buyers_html = superuser_client.get(changelist_url(User), {"seller_profile__isempty": "1"}).content.decode()

    assert "with_profile" in sellers_html
    assert "without_profile" not in sellers_html
    assert "without_profile" in buyers_html
    assert "with_profile<" not in buyers_html
