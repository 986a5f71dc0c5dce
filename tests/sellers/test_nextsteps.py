import dataclasses
from fractions import Fraction

import pytest

from levels import policy as p
from levels.values import MetricValues, criterion_met
from sellers import nextsteps

LEVEL_2 = p.DEFAULT_POLICY.level(2)
LEVEL_3 = p.DEFAULT_POLICY.level(3)


# Clients


@pytest.mark.parametrize(("clients", "minimum", "needed"), [
    (7, 10, 3),
    (9, 10, 1),
    (10, 10, 0),
    (12, 10, 0),
    (0, 25, 25),
    (3, None, 0),
])
def test_clients_needed(clients, minimum, needed):
    assert nextsteps.clients_needed(clients=clients, minimum=minimum) == needed


# Rating


def test_five_star_reviews_worked_example():
    # 43 / 10 = 4.3; four 5-star reviews make 63 / 14 = 4.5 exactly.
    needed = nextsteps.five_star_reviews_needed(rating_sum=43, rating_count=10, minimum=Fraction(9, 2))

    assert needed == 4
    # Three reviews give 58 / 13 = 4.46, still below 4.5.
    assert Fraction(43 + 5 * 3, 13) < Fraction(9, 2)


def test_five_star_reviews_at_threshold_needs_none():
    assert nextsteps.five_star_reviews_needed(rating_sum=40, rating_count=10, minimum=Fraction(4)) == 0


def test_five_star_reviews_just_below_threshold_needs_one():
    # 999 / 250 = 3.996, which fails 4.0 by one point.
    assert nextsteps.five_star_reviews_needed(rating_sum=999, rating_count=250, minimum=Fraction(4)) == 1


def test_five_star_reviews_without_reviews_needs_one():
    assert nextsteps.five_star_reviews_needed(rating_sum=0, rating_count=0, minimum=Fraction(4)) == 1


def test_five_star_reviews_threshold_five_unreachable():
    assert nextsteps.five_star_reviews_needed(rating_sum=49, rating_count=10, minimum=Fraction(5)) is None


def test_five_star_reviews_threshold_five_already_met():
    assert nextsteps.five_star_reviews_needed(rating_sum=50, rating_count=10, minimum=Fraction(5)) == 0


def test_five_star_reviews_no_threshold():
    assert nextsteps.five_star_reviews_needed(rating_sum=3, rating_count=3, minimum=None) == 0


@pytest.mark.parametrize("rule", [LEVEL_2, LEVEL_3], ids=["level2", "level3"])
def test_five_star_reviews_agree_with_criterion(rule):
    # The count is the smallest one the policy check accepts, for every small history.
    for count in range(0, 15):
        for rating_sum in range(count, 5 * count + 1):
            needed = nextsteps.five_star_reviews_needed(
                rating_sum=rating_sum, rating_count=count, minimum=rule.min_rating,
            )
            after = MetricValues(rating_sum=rating_sum + 5 * needed, rating_count=count + needed)
            assert criterion_met(after, rule, p.RATING), (rating_sum, count, needed)
            if needed:
                before = MetricValues(rating_sum=rating_sum + 5 * (needed - 1), rating_count=count + needed - 1)
                assert not criterion_met(before, rule, p.RATING), (rating_sum, count, needed)


# Completion rate


def test_completions_worked_example():
    # 7 of 10 is 70%; five more completions make 12 of 15 = 80% exactly.
    needed = nextsteps.completions_needed(completed=7, cancelled=3, minimum=Fraction(8, 10))

    assert needed == 5
    assert Fraction(7 + 4, 10 + 4) < Fraction(8, 10)


def test_completions_at_threshold_needs_none():
    assert nextsteps.completions_needed(completed=8, cancelled=2, minimum=Fraction(8, 10)) == 0


def test_completions_without_closed_orders_needs_one():
    assert nextsteps.completions_needed(completed=0, cancelled=0, minimum=Fraction(8, 10)) == 1


def test_completions_full_rate_with_cancellation_unreachable():
    assert nextsteps.completions_needed(completed=9, cancelled=1, minimum=Fraction(1)) is None


@pytest.mark.parametrize("rule", [LEVEL_2, LEVEL_3], ids=["level2", "level3"])
def test_completions_agree_with_criterion(rule):
    for completed in range(0, 25):
        for cancelled in range(0, 10):
            needed = nextsteps.completions_needed(
                completed=completed, cancelled=cancelled, minimum=rule.min_completion_rate,
            )
            after = MetricValues(completed_count=completed + needed, cancelled_count=cancelled)
            assert criterion_met(after, rule, p.COMPLETION), (completed, cancelled, needed)
            if needed:
                before = dataclasses.replace(after, completed_count=completed + needed - 1)
                assert not criterion_met(before, rule, p.COMPLETION), (completed, cancelled, needed)


# Contact success rate


def test_conversions_worked_example():
    # 1 of 10 is 10%; one more converted inquiry makes 2 of 11, above 15%.
    needed = nextsteps.conversions_needed(converted=1, decided=10, minimum=Fraction(15, 100))

    assert needed == 1


def test_conversions_exact_boundary():
    # 3 of 20 is exactly 15%, which meets the threshold.
    assert nextsteps.conversions_needed(converted=3, decided=20, minimum=Fraction(15, 100)) == 0
    # From 2 of 20, one more makes 3 of 21 = 14.3%; two make 4 of 22 = 18.2%.
    assert nextsteps.conversions_needed(converted=2, decided=20, minimum=Fraction(15, 100)) == 2


def test_conversions_without_decided_inquiries_met():
    assert nextsteps.conversions_needed(converted=0, decided=0, minimum=Fraction(33, 100)) == 0


@pytest.mark.parametrize("rule", [LEVEL_2, LEVEL_3], ids=["level2", "level3"])
def test_conversions_agree_with_criterion(rule):
    for decided in range(0, 40):
        for converted in range(0, decided + 1):
            needed = nextsteps.conversions_needed(
                converted=converted, decided=decided, minimum=rule.min_contact_success_rate,
            )
            after = MetricValues(converted_count=converted + needed, decided_count=decided + needed)
            assert criterion_met(after, rule, p.CONTACT_SUCCESS), (converted, decided, needed)
            if needed:
                before = MetricValues(converted_count=converted + needed - 1, decided_count=decided + needed - 1)
                assert not criterion_met(before, rule, p.CONTACT_SUCCESS), (converted, decided, needed)


# Progress


@pytest.mark.parametrize(("value", "target", "higher_is_better", "percent"), [
    (Fraction(2), Fraction(4), True, 50),
    (Fraction(399, 100), Fraction(4), True, 99),
    (Fraction(4), Fraction(4), True, 100),
    (Fraction(9), Fraction(4), True, 100),
    (None, Fraction(4), True, 0),
    (Fraction(3), None, True, 100),
    (Fraction(48), Fraction(24), False, 50),
    (Fraction(24), Fraction(24), False, 100),
    (Fraction(2401, 100), Fraction(24), False, 99),
    (Fraction(1), Fraction(24), False, 100),
])
def test_percent_of(value, target, higher_is_better, percent):
    assert nextsteps.percent_of(value, target, higher_is_better=higher_is_better) == percent
