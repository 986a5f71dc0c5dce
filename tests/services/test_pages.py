import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from levels.models import SellerMetrics
from services.models import Service
from services.selectors import service_list_recommended
from tests.factories import ServiceFactory, seller

pytestmark = pytest.mark.django_db

LIST_URL = reverse("services:list")
EVALUATED_ON = dt.date(2025, 1, 1)


def metrics(user, **fields):
    return SellerMetrics.objects.create(seller=user, evaluated_on=EVALUATED_ON, **fields)


def card_titles(response) -> list[str]:
    return re.findall(r'<h2 class="service-card__title">([^<]*)</h2>', response.content.decode())


def test_listing_shows_level_badge_and_price(client):
    ServiceFactory(seller=seller(level=2), title="تصميم شعار", price=Decimal("75.50"))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "تصميم شعار" in html
    assert "المستوى 2" in html
    assert '<bdi dir="ltr">75.50</bdi> دولار أمريكي' in html


def test_listing_shows_seller_and_category(client):
    user = seller(user__display_name="سارة المصممة")
    ServiceFactory(seller=user, category__name_ar="تصميم", category__name_en="Design")

    html = client.get(LIST_URL).content.decode()

    assert "سارة المصممة" in html
    assert "تصميم" in html


def test_listing_rating_rounded_toward_failing(client):
    user = seller(level=1)
    # 999 / 250 = 3.996, which must not show as 4.00.
    metrics(user, rating_sum=999, rating_count=250)
    ServiceFactory(seller=user)

    html = client.get(LIST_URL).content.decode()

    assert '<bdi dir="ltr">3.99</bdi>' in html
    assert "4.00" not in html
    assert "250" in html


def test_listing_without_reviews_says_so(client):
    ServiceFactory(seller=seller(level=1))

    html = client.get(LIST_URL).content.decode()

    assert "لا توجد مراجعات بعد" in html


def test_listing_hides_inactive_services(client):
    ServiceFactory(title="منشورة", status=Service.Status.ACTIVE)
    ServiceFactory(title="مسودة", status=Service.Status.DRAFT)
    ServiceFactory(title="موقوفة", status=Service.Status.PAUSED, pause_reason=Service.PauseReason.SELLER)

    response = client.get(LIST_URL)

    assert card_titles(response) == ["منشورة"]


def test_recommended_order_level_then_score_then_newest(client):
    level_one = seller(level=1)
    metrics(level_one, score=0.99)
    level_two_low = seller(level=2)
    metrics(level_two_low, score=0.2)
    level_two_high = seller(level=2)
    metrics(level_two_high, score=0.8)
    level_three_unscored = seller(level=3)

    base = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    ServiceFactory(seller=level_one, title="a", created_at=base)
    ServiceFactory(seller=level_two_low, title="b", created_at=base)
    ServiceFactory(seller=level_two_high, title="c-old", created_at=base)
    ServiceFactory(seller=level_two_high, title="c-new", created_at=base + dt.timedelta(days=1))
    ServiceFactory(seller=level_three_unscored, title="d", created_at=base)

    response = client.get(LIST_URL)

    assert card_titles(response) == ["d", "c-new", "c-old", "b", "a"]
    assert [s.title for s in service_list_recommended()] == ["d", "c-new", "c-old", "b", "a"]


def test_listing_paginates_24_per_page(client):
    ServiceFactory.create_batch(30, seller=seller(level=1))

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert len(card_titles(first)) == 24
    assert len(card_titles(second)) == 6
    assert 'rel="next"' in first.content.decode()
    assert 'rel="prev"' in second.content.decode()


def test_listing_page_out_of_range_shows_last_page(client):
    ServiceFactory.create_batch(3, seller=seller(level=1))

    response = client.get(LIST_URL, {"page": 99})

    assert response.status_code == 200
    assert len(card_titles(response)) == 3


def test_empty_listing_says_so(client):
    html = client.get(LIST_URL).content.decode()

    assert "لا توجد خدمات معروضة بعد" in html


@pytest.mark.parametrize("count", [5, 30])
def test_listing_query_count_independent_of_services(client, django_assert_num_queries, count):
    sellers = [seller(level=1 + i % 3) for i in range(5)]
    for i, user in enumerate(sellers):
        metrics(user, score=i / 10, rating_sum=9 * (i + 1), rating_count=2 * (i + 1))
    for i in range(count):
        ServiceFactory(seller=sellers[i % len(sellers)])

    # One COUNT for the paginator and one SELECT for the page.
    with django_assert_num_queries(2):
        response = client.get(LIST_URL)

    assert len(card_titles(response)) == min(count, 24)


def test_arabic_page_is_right_to_left(client):
    html = client.get(LIST_URL).content.decode()

    assert '<html lang="ar" dir="rtl">' in html


def test_english_cookie_gives_left_to_right_page(client):
    ServiceFactory(seller=seller(level=2), price=Decimal("75.50"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(LIST_URL).content.decode()

    assert '<html lang="en" dir="ltr">' in html
    assert "Level 2" in html
    assert '<bdi dir="ltr">75.50</bdi> USD' in html


def test_language_switch_sets_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": LIST_URL})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(LIST_URL).content.decode()
    assert '<html lang="en" dir="ltr">' in html


def test_language_switch_offers_other_language(client):
    html = client.get(LIST_URL).content.decode()

    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html
    assert 'name="language" value="ar"' not in html


def test_admin_link_only_for_staff(client, django_user_model):
    anonymous_html = client.get(LIST_URL).content.decode()
    staff = django_user_model.objects.create_user("staff", password="pass-Word-123", is_staff=True)
    client.force_login(staff)
    staff_html = client.get(LIST_URL).content.decode()

    admin_url = reverse("admin:index")
    assert f'href="{admin_url}"' not in anonymous_html
    assert f'href="{admin_url}"' in staff_html


@pytest.mark.parametrize(("reviews", "expected"), [
    (1, "من مراجعة واحدة"),
    (2, "من مراجعتين"),
    (7, "من 7 مراجعات"),
    (11, "من 11 مراجعة"),
    (250, "من 250 مراجعة"),
])
def test_review_count_uses_arabic_plural(client, reviews, expected):
    user = seller(level=1)
    metrics(user, rating_sum=4 * reviews, rating_count=reviews)
    ServiceFactory(seller=user)

    html = client.get(LIST_URL).content.decode()

    assert expected in html
