"""Buyer pages: search, filters, sorting, category pages, service and seller pages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from levels.models import SellerMetrics
from services.models import Service
from tests.factories import CategoryFactory, ServiceFactory, seller

pytestmark = pytest.mark.django_db

LIST_URL = reverse("services:list")


def card_titles(response) -> list[str]:
    return re.findall(r'<h2 class="service-card__title">([^<]*)</h2>', response.content.decode())


def metrics(user, **fields):
    return SellerMetrics.objects.create(seller=user, evaluated_on=dt.date(2025, 1, 1), **fields)


def test_search_matches_title_and_description(client):
    ServiceFactory(title="تصميم شعار")
    ServiceFactory(title="ترجمة", description="ترجمة نصوص وتصميم عروض")
    ServiceFactory(title="برمجة")

    response = client.get(LIST_URL, {"q": "تصميم"})

    assert sorted(card_titles(response)) == ["ترجمة", "تصميم شعار"]


def test_search_ignores_case(client):
    ServiceFactory(title="Logo DESIGN")

    assert card_titles(client.get(LIST_URL, {"q": "design"})) == ["Logo DESIGN"]


def test_filter_by_category_parameter(client):
    design = CategoryFactory(slug="design")
    ServiceFactory(title="a", category=design)
    ServiceFactory(title="b", category=CategoryFactory(slug="writing"))

    assert card_titles(client.get(LIST_URL, {"category": "design"})) == ["a"]


def test_unknown_category_parameter_ignored(client):
    ServiceFactory(title="a")

    response = client.get(LIST_URL, {"category": "nope"})

    assert response.status_code == 200
    assert card_titles(response) == ["a"]


def test_category_page_lists_its_services(client):
    design = CategoryFactory(slug="design", name_ar="تصميم")
    ServiceFactory(title="a", category=design)
    ServiceFactory(title="b", category=CategoryFactory(slug="writing"))

    response = client.get(reverse("services:category", kwargs={"slug": "design"}))

    assert card_titles(response) == ["a"]
    assert "<h1 class=\"page-title\">تصميم</h1>" in response.content.decode()


def test_unknown_category_page_is_404(client):
    assert client.get(reverse("services:category", kwargs={"slug": "nope"})).status_code == 404


def test_category_counts_follow_other_filters(client):
    design = CategoryFactory(slug="design", name_en="Design")
    ServiceFactory(title="logo", category=design)
    ServiceFactory(title="banner", category=design)
    ServiceFactory(title="logo text", category=CategoryFactory(slug="writing", name_en="Writing"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(LIST_URL, {"q": "logo", "category": "design"}).content.decode()

    assert 'Design <bdi class="count">(1)</bdi>' in html
    assert 'Writing <bdi class="count">(1)</bdi>' in html


def test_filter_by_level(client):
    ServiceFactory(title="one", seller=seller(level=1))
    ServiceFactory(title="two", seller=seller(level=2))

    assert card_titles(client.get(LIST_URL, {"level": "2"})) == ["two"]


@pytest.mark.parametrize(("low", "high"), [("10", "30"), ("١٠", "٣٠"), ("١٠٫٠٠", "۳۰")])
def test_filter_by_price_range(client, low, high):
    for price in ("5.00", "10.00", "30.00", "30.01"):
        ServiceFactory(title=price, price=Decimal(price))

    response = client.get(LIST_URL, {"min_price": low, "max_price": high, "sort": "price"})

    assert card_titles(response) == ["10.00", "30.00"]


@pytest.mark.parametrize("params", [
    {"min_price": "abc"},
    {"max_price": "1e3"},
    {"min_price": "10", "max_price": "5"},
    {"level": "9"},
    {"sort": "'; drop"},
    {"page": "x"},
    {"q": "a" * 500},
    {"q": "nul\x00byte"},
])
def test_bad_filters_never_fail(client, params):
    ServiceFactory(title="a")

    response = client.get(LIST_URL, params)

    assert response.status_code == 200
    assert card_titles(response) == ["a"]


def test_bad_price_filter_error_next_to_field(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(LIST_URL, {"min_price": "abc"}).content.decode()

    field = html.split('id="filter-min_price"', 1)[1].split("</div>", 1)[0]
    assert "Enter a number such as 12.50" in field


@pytest.mark.parametrize(("sort", "expected"), [
    ("price", ["cheap", "middle", "dear"]),
    ("-price", ["dear", "middle", "cheap"]),
    ("newest", ["dear", "middle", "cheap"]),
    ("rating", ["middle", "cheap", "dear"]),
])
def test_sorting(client, sort, expected):
    base = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    good, fair, unrated = seller(), seller(), seller()
    metrics(good, rating_sum=49, rating_count=10)
    metrics(fair, rating_sum=40, rating_count=10)
    ServiceFactory(title="cheap", seller=fair, price=Decimal("10"), created_at=base)
    ServiceFactory(title="middle", seller=good, price=Decimal("20"), created_at=base + dt.timedelta(days=1))
    ServiceFactory(title="dear", seller=unrated, price=Decimal("30"), created_at=base + dt.timedelta(days=2))

    assert card_titles(client.get(LIST_URL, {"sort": sort})) == expected


def test_pagination_keeps_filters(client):
    ServiceFactory.create_batch(30, title="تصميم")

    html = client.get(LIST_URL, {"q": "تصميم", "sort": "newest"}).content.decode()

    assert "?q=%D8%AA%D8%B5%D9%85%D9%8A%D9%85&amp;sort=newest&amp;page=2" in html


@pytest.mark.parametrize("count", [5, 30])
def test_filtered_listing_query_count_constant(client, django_assert_num_queries, count):
    design = CategoryFactory(slug="design")
    sellers = [seller(level=1 + i % 3) for i in range(5)]
    for i, user in enumerate(sellers):
        metrics(user, score=i / 10, rating_sum=9 * (i + 1), rating_count=2 * (i + 1))
    for i in range(count):
        ServiceFactory(seller=sellers[i % 5], category=design, title=f"logo {i}")

    # The category counts (which give the total) and the page.
    with django_assert_num_queries(2):
        response = client.get(LIST_URL, {"q": "logo", "sort": "rating", "min_price": "5"})
    assert len(card_titles(response)) == min(count, 24)

    with django_assert_num_queries(2):
        response = client.get(reverse("services:category", kwargs={"slug": "design"}))
    assert len(card_titles(response)) == min(count, 24)


@pytest.mark.parametrize("count", [5, 30])
def test_signed_in_listing_query_count_constant(client, django_assert_num_queries, count):
    user = seller()
    client.force_login(user)
    ServiceFactory.create_batch(count, seller=seller())

    # Session, user and seller profile for the navigation, then the listing's two.
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    assert len(card_titles(response)) == min(count, 24)


@pytest.mark.parametrize("count", [5, 30])
def test_seller_page_query_count_constant(client, django_assert_num_queries, count):
    user = seller(level=2)
    ServiceFactory.create_batch(count, seller=user)

    # The seller with profile and metrics, then the services.
    with django_assert_num_queries(2):
        response = client.get(reverse("services:seller", kwargs={"username": user.username}))
    assert response.content.decode().count('href="/services/') == count


def test_service_page_shows_level_and_metrics(client):
    user = seller(level=2, user__display_name="سارة")
    # 999 / 250 = 3.996 and 9 / 11 = 81.8%, each rounded toward failing.
    metrics(user, rating_sum=999, rating_count=250, clients=12, completed_count=9, cancelled_count=2)
    service = ServiceFactory(seller=user, title="شعار")

    html = client.get(reverse("services:detail", kwargs={"pk": service.pk})).content.decode()

    assert "سارة" in html
    assert "المستوى 2" in html
    assert '<bdi dir="ltr">3.99</bdi>' in html
    assert "250 مراجعة" in html
    assert '<dd class="metrics__clients">12</dd>' in html
    assert '<bdi dir="ltr">81%</bdi>' in html


def test_seller_page_without_metrics(client):
    user = seller(level=1)

    html = client.get(reverse("services:seller", kwargs={"username": user.username})).content.decode()

    assert "المستوى 1" in html
    assert "لا توجد مراجعات بعد" in html
    assert '<dd class="metrics__clients">0</dd>' in html


def test_seller_page_of_non_seller_is_404(client, django_user_model):
    user = django_user_model.objects.create_user("buyer")

    assert client.get(reverse("services:seller", kwargs={"username": user.username})).status_code == 404


@pytest.mark.parametrize("status", [Service.Status.DRAFT, Service.Status.PAUSED])
def test_inactive_service_page_is_404(client, status):
    reason = Service.PauseReason.SELLER if status == Service.Status.PAUSED else ""
    service = ServiceFactory(status=status, pause_reason=reason)

    assert client.get(reverse("services:detail", kwargs={"pk": service.pk})).status_code == 404


def test_huge_service_id_is_404(client):
    assert client.get("/services/99999999999999999999999/").status_code == 404
