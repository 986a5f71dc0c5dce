import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from levels.models import LevelEvent, SellerMetrics
from services.models import Service
from tests.factories import ServiceFactory, UserFactory, seller

pytestmark = pytest.mark.django_db

DASHBOARD_URL = reverse("sellers:dashboard")
HELP_URL = reverse("sellers:level_help")
RIYADH = ZoneInfo("Asia/Riyadh")
EVALUATED_ON = dt.date(2025, 6, 28)
# 01:30 in Riyadh on 29 June is still 28 June in UTC, so a page that used the
# UTC date would count one day more of grace.
NOW = dt.datetime(2025, 6, 29, 1, 30, tzinfo=RIYADH)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def metrics(user, **fields):
    return SellerMetrics.objects.create(seller=user, evaluated_on=EVALUATED_ON, **fields)


def text_of(response) -> str:
    """Return the page as text with tags dropped and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english(client, url=DASHBOARD_URL, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


# Access


def test_anonymous_redirected_to_login(client):
    response = client.get(DASHBOARD_URL)

    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response.url


def test_buyer_gets_become_seller_page(client):
    other = seller(level=3, user__display_name="بائع آخر")
    # A client count no username or date on the page can contain by chance.
    metrics(other, clients=98765)
    client.force_login(UserFactory())

    response = english(client)

    assert response.status_code == 200
    page = text_of(response)
    assert "your account does not sell yet" in page
    assert "Become a seller" in page
    assert "98765" not in page


def test_seller_sees_only_own_dashboard(client):
    me = seller(level=1)
    metrics(me, clients=4)
    other = seller(level=3)
    metrics(other, clients=77)
    client.force_login(me)

    # Any seller id in the query string is ignored: the page is always "me".
    page = text_of(english(client, seller=other.pk, user=other.pk))

    assert "Level 1" in page
    assert "Level 3" not in page
    assert " 4 " in page
    assert "98765" not in page


# Level, caps and criteria


def test_dashboard_shows_level_and_caps(client):
    me = seller(level=2)
    metrics(me, clients=12)
    ServiceFactory.create_batch(3, seller=me)
    ServiceFactory(seller=me, status=Service.Status.DRAFT)
    client.force_login(me)

    page = text_of(english(client))

    assert "Level 2" in page
    assert "3 of 10 allowed" in page
    assert "from 5.00 to 100.00 USD" in page
    # The next level's benefits, from the policy.
    assert "Level 3 allows 10 active services and prices up to 200.00 USD" in page


def test_criteria_rows_round_toward_failing(client):
    me = seller(level=1)
    # 999 / 250 = 3.996 must read 3.99, not 4.00. 7 of 9 closed = 77.77…% reads 77.7.
    # 2 inquiries with 48 h 1 min in total = 24.008 h reads 24.1, not 24.0.
    metrics(
        me, clients=7, rating_sum=999, rating_count=250, completed_count=7, cancelled_count=2,
        inquiry_count=2, response_total_us=(48 * 60 + 1) * 60 * 10**6, decided_count=10, converted_count=1,
    )
    client.force_login(me)

    page = text_of(english(client))

    assert "What level 2 asks" in page
    assert "3.99 from 250 reviews" in page
    assert "4.00" not in page
    assert "77.7% of 9 closed orders" in page
    assert "24.1 hours on average over 2 inquiries" in page
    assert "10.0% of 10 decided inquiries" in page
    assert "at least 4.0" in page
    assert "at least 80%" in page
    assert "at most 24 hours" in page


def test_criteria_next_steps(client):
    me = seller(level=1)
    metrics(
        me, clients=7, rating_sum=35, rating_count=10, completed_count=7, cancelled_count=3,
        decided_count=10, converted_count=1, inquiry_count=4, unanswered_count=2,
        response_total_us=4 * 31 * 3600 * 10**6,
    )
    client.force_login(me)

    page = text_of(english(client))

    assert "3 more clients with a completed order" in page
    # (35 + 5n) / (10 + n) >= 4.0 is first true at n = 5.
    assert "5 more 5-star reviews bring your rating to 4.0" in page
    # (7 + n) / (10 + n) >= 0.8 is first true at n = 5.
    assert "Complete your next 5 orders without a cancellation to reach 80%" in page
    assert "1 more inquiry that turns into an order brings you to 15%" in page
    assert "Your average first reply takes 31.0 hours; the target is 24 hours at most." in page
    assert "2 inquiries are still unanswered" in page


def test_criteria_met_show_no_next_step(client):
    me = seller(level=1)
    metrics(
        me, clients=10, rating_sum=40, rating_count=10, completed_count=8, cancelled_count=2,
    )
    client.force_login(me)

    page = text_of(english(client))

    assert page.count("Not met yet") == 0
    assert "more clients" not in page
    assert "5-star" not in page


def test_top_level_shows_own_criteria(client):
    me = seller(level=3)
    metrics(me, clients=30)
    client.force_login(me)

    page = text_of(english(client))

    assert "What keeping level 3 asks" in page
    assert "at least 25" in page


def test_arabic_rating_row(client):
    me = seller(level=1)
    metrics(me, rating_sum=52, rating_count=12)
    client.force_login(me)

    page = text_of(client.get(DASHBOARD_URL))

    # 52 / 12 = 4.333… reads 4.33.
    assert "مستواي" in page
    assert "4.33 من 12 تقييمًا" in page


# Grace period


def grace_seller():
    me = seller(
        level=2, grace_started_on=dt.date(2025, 1, 10), grace_ends_on=dt.date(2025, 7, 9),
        failing_criteria=["rating", "completion_rate"],
    )
    metrics(me, clients=11, rating_sum=38, rating_count=10, completed_count=8, cancelled_count=2)
    return me


def test_grace_banner_english(client):
    client.force_login(grace_seller())

    page = text_of(english(client))

    assert "Grace period: 10 days left" in page
    assert "You keep level 2 until July 9, 2025" in page
    # Rating 3.8 from 10 reviews: (38 + 5n) / (10 + n) >= 4.0 at n = 2.
    assert "2 more 5-star reviews bring your rating to 4.0" in page
    # The completion rate has recovered since the grace period started.
    assert "Met again" in page


def test_grace_banner_arabic(client):
    client.force_login(grace_seller())

    page = text_of(client.get(DASHBOARD_URL))

    assert "9 يوليو، 2025" in page
    assert "فترة السماح" in page


def test_no_grace_banner_without_grace(client):
    me = seller(level=2)
    metrics(me)
    client.force_login(me)

    page = text_of(english(client))

    assert "Grace period" not in page


# Evaluation today, standing, history


def test_today_evaluation_beside_last_run(client):
    me = seller(level=1)
    metrics(me, qualifying_level=1)
    client.force_login(me)

    page = text_of(english(client))

    assert "If we evaluated you today" in page
    assert "Today, June 29, 2025" in page
    assert "Last nightly evaluation, June 28, 2025" in page


def test_standing_percentile_and_lift(client):
    me = seller(level=2)
    # All 5-star reviews, fast replies and clean completions, but no active
    # service: variety is the largest weighted gap.
    metrics(
        me, score=0.5, rating_sum=500, rating_square_sum=2500, rating_count=100,
        completed_count=100, inquiry_count=1, response_total_us=0,
    )
    metrics(seller(level=2), score=0.2)
    metrics(seller(level=2), score=0.8)
    metrics(seller(level=2), score=0.1)
    metrics(seller(level=3), score=0.05)
    client.force_login(me)

    page = text_of(english(client))

    # Two of the four level 2 sellers score lower.
    assert "higher than that of 50% of the 4 sellers on level 2" in page
    assert "What would lift you most: Variety of services" in page


def test_history_newest_first_with_labels(client):
    me = seller(level=2)
    LevelEvent.objects.create(
        seller=me, kind=LevelEvent.Kind.PROMOTED, evaluated_on=dt.date(2025, 2, 1), from_level=1, to_level=2,
    )
    LevelEvent.objects.create(
        seller=me, kind=LevelEvent.Kind.GRACE_STARTED, evaluated_on=dt.date(2025, 5, 1), from_level=2, to_level=2,
    )
    LevelEvent.objects.create(
        seller=seller(), kind=LevelEvent.Kind.DEMOTED, evaluated_on=dt.date(2025, 5, 2), from_level=3, to_level=1,
    )
    client.force_login(me)

    page = text_of(english(client))

    assert page.index("Grace period started") < page.index("Promoted")
    assert "from level 1 to level 2" in page
    assert "Demoted" not in page


def test_paused_services_listed_with_reason(client):
    me = seller(level=1)
    ServiceFactory(
        seller=me, title="Logo design", price=Decimal("80.00"), status=Service.Status.PAUSED,
        pause_reason=Service.PauseReason.PRICE_ABOVE_LEVEL,
    )
    ServiceFactory(
        seller=me, title="Paused on purpose", status=Service.Status.PAUSED,
        pause_reason=Service.PauseReason.SELLER,
    )
    client.force_login(me)

    page = text_of(english(client))

    assert "Logo design" in page
    assert "Price above the maximum of the new level" in page
    assert "Paused on purpose" not in page


def test_monthly_chart_has_twelve_points(client):
    me = seller(level=1)
    client.force_login(me)

    html = english(client).content.decode()

    # One table per metric, from July 2024 to the current month.
    assert html.count("July 2024") == 5
    assert html.count("June 2025") == 5
    assert "June 2024" not in html
    # Clients are counted even without orders, so that chart is drawn.
    assert html.count('<svg class="sparkline__svg"') == 1
    assert "<polyline" in html


def make_history(user, events: int):
    for index in range(events):
        LevelEvent.objects.create(
            seller=user, kind=LevelEvent.Kind.PROMOTED, evaluated_on=dt.date(2024, 1, 1) + dt.timedelta(days=index),
            from_level=1, to_level=2,
        )
        ServiceFactory(
            seller=user, status=Service.Status.PAUSED, pause_reason=Service.PauseReason.OVER_LEVEL_CAP,
        )
        ServiceFactory(seller=user)


@pytest.mark.parametrize("events", [2, 15])
def test_query_count_constant(client, django_assert_num_queries, events):
    me = seller(level=2)
    metrics(me, score=0.4)
    make_history(me, events)
    client.force_login(me)

    # Session, user, profile with metrics, services aggregate, percentile,
    # events, paused services, then 4 metric queries for today and 44 for the
    # eleven past month ends.
    with django_assert_num_queries(55):
        response = english(client)

    assert response.status_code == 200


def test_second_view_reads_cached_figures(client, django_assert_num_queries):
    me = seller(level=2)
    metrics(me, score=0.4)
    client.force_login(me)
    english(client)

    # The 44 queries of the past month ends and the percentile's aggregate
    # come from the cache now.
    with django_assert_num_queries(10):
        response = english(client)

    assert response.status_code == 200


# Help page


def test_help_page_public(client):
    response = english(client, HELP_URL)

    assert response.status_code == 200
    page = text_of(response)
    assert "How levels work" in page
    assert "180 days" in page
    assert "at least 4.5" in page


def test_help_page_arabic_names(client):
    page = text_of(client.get(HELP_URL))

    for name in ("عدد العملاء", "التقييم", "معدل إكمال الطلبات", "معدل نجاح التواصلات", "سرعة الرد"):
        assert name in page


def test_help_page_reads_overridden_policy(client, settings):
    settings.LEVEL_POLICY_OVERRIDES = {
        "grace_days": 90,
        "levels": {"2": {"min_clients": 8, "min_rating": "4.2", "max_response_hours": 12, "max_active_services": 7}},
    }

    page = text_of(english(client, HELP_URL))

    assert "grace period of 90 days" in page
    assert "180" not in page
    assert "at least 8" in page
    assert "at least 4.2" in page
    assert "at most 12 hours" in page
    assert "at least 10 " not in page
