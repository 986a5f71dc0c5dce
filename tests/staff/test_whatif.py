"""Policy what-if: counts and movers under a proposed policy, the page and its permission."""

import pytest
from django.urls import reverse

from levels import policy as p
from levels.models import EvaluationRun, LevelEvent, PolicySnapshot, SellerMetrics
from levels.policy import build_policy, current_policy
from levels.whatif import compare_policies
from sellers.models import SellerProfile
from tests import factories
from tests.staff.conftest import D, noon

pytestmark = pytest.mark.django_db

HOUR_US = 3600 * 10**6


def finished_run():
    snapshot = PolicySnapshot.objects.create(digest="whatif0123456789", data={})
    EvaluationRun.objects.create(
        evaluated_on=D, started_at=noon(D), finished_at=noon(D), policy=snapshot, status=EvaluationRun.Status.DONE,
    )


def metrics(username, *, clients, rating_sum=450, rating_count=100, completed=9, cancelled=1):
    user = factories.seller(user__username=username)
    SellerMetrics.objects.create(
        seller=user, evaluated_on=D, clients=clients, rating_sum=rating_sum, rating_count=rating_count,
        completed_count=completed, cancelled_count=cancelled, inquiry_count=1, decided_count=1,
        converted_count=1, response_total_us=HOUR_US,
    )
    return user


@pytest.fixture
def sellers():
    finished_run()
    return {
        "newcomer": metrics("newcomer", clients=2),
        "eleven": metrics("eleven", clients=11),
        "thirty": metrics("thirty", clients=30),
        "low_rating": metrics("low_rating", clients=30, rating_sum=420),
    }


def test_unchanged_policy_moves_nobody(sellers):
    result = compare_policies(current_policy(), current_policy())

    assert result.sellers == 4
    assert result.moved == 0
    assert result.moves == []
    assert result.current_counts == result.proposed_counts == {1: 1, 2: 2, 3: 1}


def test_raised_clients_threshold_moves_right_sellers(sellers):
    proposed = build_policy({"levels": {"2": {"min_clients": 12}}})

    result = compare_policies(current_policy(), proposed)

    assert result.moved_down == 1
    assert result.moved_up == 0
    (move,) = result.moves
    assert move.seller_id == sellers["eleven"].pk
    assert (move.current, move.proposed) == (2, 1)
    assert move.criteria == (p.CLIENTS,)
    assert result.proposed_counts == {1: 2, 2: 1, 3: 1}


def test_lowered_rating_threshold_moves_up(sellers):
    proposed = build_policy({"levels": {"3": {"min_rating": "4.2"}}})

    result = compare_policies(current_policy(), proposed)

    (move,) = result.moves
    assert move.seller_id == sellers["low_rating"].pk
    assert (move.current, move.proposed) == (2, 3)
    assert move.criteria == (p.RATING,)


def test_mover_list_capped_but_counted(sellers):
    proposed = build_policy({"levels": {"2": {"min_clients": 40}, "3": {"min_clients": 40}}})

    result = compare_policies(current_policy(), proposed, listed=1)

    assert result.moved_down == 3
    assert len(result.moves) == 1


def test_no_finished_run_gives_empty_result():
    assert compare_policies(current_policy(), current_policy()).evaluated_on is None


def whatif_form(**changes):
    data = {"run": "1"}
    for number in (2, 3):
        rule = current_policy().level(number)
        data[f"level{number}_min_clients"] = rule.min_clients
        data[f"level{number}_min_rating"] = str(float(rule.min_rating))
        data[f"level{number}_min_completion_percent"] = str(float(rule.min_completion_rate * 100))
        data[f"level{number}_min_contact_success_percent"] = str(float(rule.min_contact_success_rate * 100))
        data[f"level{number}_max_response_hours"] = str(float(rule.max_response_hours))
    data.update(changes)
    return data


URL = "levels_staff:policy_whatif"


def test_page_prefilled_and_writes_nothing(manager, sellers):
    before = (LevelEvent.objects.count(), list(SellerProfile.objects.values_list("level", flat=True)))

    page = manager.get(reverse(URL))
    response = manager.get(reverse(URL), whatif_form(level2_min_clients=12))

    assert page.status_code == 200
    assert 'value="10"' in page.content.decode()
    assert response.status_code == 200
    html = response.content.decode()
    assert "eleven" in html
    assert "thirty" not in html
    assert (LevelEvent.objects.count(), list(SellerProfile.objects.values_list("level", flat=True))) == before


def test_page_percent_fields_map_to_rates(manager, sellers):
    # Completion of 9/10 meets 90% but not 95%.
    response = manager.get(reverse(URL), whatif_form(level3_min_completion_percent="95"))

    assert response.context["result"].moved_down == 1


@pytest.mark.parametrize("who", ["support", "plain_staff"])
def test_page_forbidden_without_permission(request, who):
    client = request.getfixturevalue(who)

    assert client.get(reverse(URL)).status_code == 403


def test_page_needs_staff_login(client):
    response = client.get(reverse(URL))

    assert response.status_code == 302


@pytest.mark.parametrize(("language", "title"), [("ar", "محاكاة السياسة"), ("en", "Policy what-if")])
def test_page_translated(manager, settings, language, title):
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = manager.get(reverse(URL)).content.decode()

    assert title in html
    assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in html
