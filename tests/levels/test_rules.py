"""The transition rules and the exact criteria, without a database."""

import datetime as dt
from fractions import Fraction

import pytest

from levels import policy as p
from levels import rules
from levels.values import MetricValues, criterion_met, failing_criteria, qualifying_level

POLICY = p.DEFAULT_POLICY
LEVEL_2 = POLICY.level(2)
LEVEL_3 = POLICY.level(3)
D0 = dt.date(2025, 3, 1)
HOUR_US = 3600 * 10**6


def decide(state, qualifying, as_of):
    return rules.decide(state, qualifying, as_of, lambda n: ["rating"], POLICY)


def level2_values(**changes) -> MetricValues:
    """Values that meet level 2 exactly on every criterion."""
    base = dict(
        clients=10, rating_sum=40, rating_count=10, completed_count=8, cancelled_count=2,
        inquiry_count=20, decided_count=20, converted_count=3, response_total_us=24 * HOUR_US * 20,
    )
    base.update(changes)
    return MetricValues(**base)


# Criteria at their thresholds


def test_exact_thresholds_meet_level_2():
    assert failing_criteria(level2_values(), LEVEL_2) == []
    assert qualifying_level(level2_values(), POLICY) == 2


@pytest.mark.parametrize(
    ("criterion", "changes"),
    [
        (p.CLIENTS, {"clients": 9}),
        (p.RATING, {"rating_sum": 39}),
        (p.COMPLETION, {"completed_count": 7, "cancelled_count": 2}),
        (p.CONTACT_SUCCESS, {"converted_count": 2}),
        (p.RESPONSE_TIME, {"response_total_us": 24 * HOUR_US * 20 + 1}),
    ],
)
def test_one_unit_below_threshold_fails(criterion, changes):
    assert failing_criteria(level2_values(**changes), LEVEL_2) == [criterion]
    assert qualifying_level(level2_values(**changes), POLICY) == 1


def test_rating_just_below_four_fails():
    # 3.996 as a mean fails 4.0 even though it would print as 4.00.
    values = level2_values(rating_sum=3996, rating_count=1000)
    assert not criterion_met(values, LEVEL_2, p.RATING)


def test_missing_rating_and_completion_fail():
    values = level2_values(rating_sum=0, rating_count=0, completed_count=0, cancelled_count=0)
    assert failing_criteria(values, LEVEL_2) == [p.RATING, p.COMPLETION]


def test_no_inquiries_meet_contact_and_response():
    values = level2_values(inquiry_count=0, decided_count=0, converted_count=0, response_total_us=0)
    assert criterion_met(values, LEVEL_2, p.CONTACT_SUCCESS)
    assert criterion_met(values, LEVEL_2, p.RESPONSE_TIME)


def test_undecided_inquiries_meet_contact_success():
    values = level2_values(decided_count=0, converted_count=0)
    assert criterion_met(values, LEVEL_2, p.CONTACT_SUCCESS)


def test_level_3_needs_level_2():
    # Meets every level-3 number except one level-2 criterion: stays on 1.
    values = MetricValues(
        clients=30, rating_sum=150, rating_count=30, completed_count=30, cancelled_count=0,
        inquiry_count=10, decided_count=10, converted_count=5, response_total_us=25 * HOUR_US * 10,
    )
    assert qualifying_level(values, POLICY) == 1


def test_level_3_at_its_thresholds():
    values = MetricValues(
        clients=25, rating_sum=45, rating_count=10, completed_count=9, cancelled_count=1,
        inquiry_count=100, decided_count=100, converted_count=33, response_total_us=24 * HOUR_US * 100,
    )
    assert qualifying_level(values, POLICY) == 3
    below = MetricValues(**{**values.__dict__, "converted_count": 32})
    assert qualifying_level(below, POLICY) == 2


# Transitions


def test_promotion_moves_at_once_and_ends_grace():
    state = rules.SellerState(level=2, grace_started_on=D0, grace_ends_on=D0 + dt.timedelta(days=180))
    decision = decide(state, 3, D0 + dt.timedelta(days=10))
    assert decision.state.level == 3
    assert decision.state.grace_ends_on is None
    assert [t.kind for t in decision.transitions] == [rules.PROMOTED]


def test_promotion_can_skip_a_level():
    decision = decide(rules.SellerState(level=1), 3, D0)
    assert decision.state.level == 3
    assert decision.state.level_since == D0


def test_drop_starts_a_180_day_grace():
    decision = decide(rules.SellerState(level=2), 1, D0)
    assert decision.state.level == 2
    assert decision.state.grace_started_on == D0
    assert decision.state.grace_ends_on == D0 + dt.timedelta(days=180)
    assert decision.state.failing_criteria == ("rating",)
    assert [t.kind for t in decision.transitions] == [rules.GRACE_STARTED]


def grace_state():
    return rules.SellerState(
        level=3, grace_started_on=D0, grace_ends_on=D0 + dt.timedelta(days=180),
        failing_criteria=("rating",),
    )


def test_grace_day_179_keeps_level():
    decision = decide(grace_state(), 1, D0 + dt.timedelta(days=179))
    assert decision.state == grace_state()
    assert decision.transitions == ()


def test_grace_day_180_demotes_to_qualifying_level():
    decision = decide(grace_state(), 1, D0 + dt.timedelta(days=180))
    assert decision.state.level == 1
    assert decision.state.grace_ends_on is None
    assert [(t.kind, t.from_level, t.to_level) for t in decision.transitions] == [(rules.DEMOTED, 3, 1)]


def test_grace_day_181_demotes_a_missed_date():
    decision = decide(grace_state(), 2, D0 + dt.timedelta(days=181))
    assert decision.state.level == 2
    assert [t.kind for t in decision.transitions] == [rules.DEMOTED]


def test_recovery_ends_grace():
    decision = decide(grace_state(), 3, D0 + dt.timedelta(days=50))
    assert decision.state.level == 3
    assert decision.state.grace_ends_on is None
    assert [t.kind for t in decision.transitions] == [rules.RECOVERED]


def test_drop_after_recovery_starts_full_grace():
    recovered = decide(grace_state(), 3, D0 + dt.timedelta(days=50)).state
    again = decide(recovered, 2, D0 + dt.timedelta(days=60))
    assert again.state.grace_ends_on == D0 + dt.timedelta(days=240)


def test_same_level_without_grace_changes_nothing():
    state = rules.SellerState(level=2, level_since=D0)
    decision = decide(state, 2, D0 + dt.timedelta(days=5))
    assert decision.state == state
    assert decision.transitions == ()


def test_pin_holds_level_and_grace():
    state = rules.SellerState(level=2, override_level=2, override_ends_on=D0 + dt.timedelta(days=10))
    decision = decide(state, 1, D0 + dt.timedelta(days=9))
    assert decision.state == state
    assert decision.transitions == ()


def test_pin_without_end_holds_forever():
    state = rules.SellerState(level=3, override_level=3)
    assert decide(state, 1, D0 + dt.timedelta(days=5000)).transitions == ()


def test_ended_pin_applies_rules_from_pinned_level():
    state = rules.SellerState(level=3, override_level=3, override_ends_on=D0)
    decision = decide(state, 1, D0)
    assert decision.state.override_level is None
    assert decision.state.level == 3
    assert decision.state.grace_ends_on == D0 + dt.timedelta(days=180)
    assert [t.kind for t in decision.transitions] == [rules.OVERRIDE_LIFTED, rules.GRACE_STARTED]


def test_grace_days_come_from_policy():
    short = p.build_policy({"grace_days": 30})
    decision = rules.decide(rules.SellerState(level=2), 1, D0, lambda n: [], short)
    assert decision.state.grace_ends_on == D0 + dt.timedelta(days=30)


def test_policy_overrides_levels():
    policy = p.build_policy({"levels": {"2": {"min_clients": 8, "min_rating": "3.5"}}})
    assert policy.level(2).min_clients == 8
    assert policy.level(2).min_rating == Fraction(7, 2)
    assert p.DEFAULT_POLICY.level(2).min_clients == 10
