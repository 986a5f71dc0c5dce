"""Metric values of one seller and the exact criteria checks of the policy.

Pure Python: nothing here touches the database, so every boundary of the
policy is tested without one.
"""

import dataclasses
import math
from fractions import Fraction

from levels import policy as p

MICROSECONDS_PER_HOUR = 3600 * 10**6


@dataclasses.dataclass(frozen=True)
class MetricValues:
    """Raw counts and sums behind every metric, as of one evaluation date."""

    clients: int = 0
    rating_sum: int = 0
    rating_square_sum: int = 0
    rating_count: int = 0
    completed_count: int = 0
    cancelled_count: int = 0
    inquiry_count: int = 0
    decided_count: int = 0
    converted_count: int = 0
    unanswered_count: int = 0
    response_total_us: int = 0

    @property
    def rating(self) -> Fraction | None:
        if not self.rating_count:
            return None
        return Fraction(self.rating_sum, self.rating_count)

    @property
    def closed_count(self) -> int:
        return self.completed_count + self.cancelled_count

    @property
    def completion_rate(self) -> Fraction | None:
        if not self.closed_count:
            return None
        return Fraction(self.completed_count, self.closed_count)

    @property
    def contact_success_rate(self) -> Fraction | None:
        if not self.decided_count:
            return None
        return Fraction(self.converted_count, self.decided_count)

    @property
    def response_hours(self) -> Fraction | None:
        if not self.inquiry_count:
            return None
        return Fraction(self.response_total_us, self.inquiry_count * MICROSECONDS_PER_HOUR)

    @property
    def rating_deviation(self) -> float | None:
        """Population standard deviation of the ratings, or None below two reviews."""
        if self.rating_count < 2:
            return None
        mean = self.rating_sum / self.rating_count
        variance = self.rating_square_sum / self.rating_count - mean * mean
        return math.sqrt(max(variance, 0.0))


def criterion_met(values: MetricValues, rule: p.LevelRule, criterion: str) -> bool:
    """Check one criterion of ``rule`` with integer arithmetic, never floats.

    Missing data fails the rating and completion criteria, and passes the
    contact-success and response-time ones, since with no inquiry there is
    nothing to judge.
    """
    if criterion == p.CLIENTS:
        return rule.min_clients is None or values.clients >= rule.min_clients

    if criterion == p.RATING:
        if rule.min_rating is None:
            return True
        return values.rating_count > 0 and values.rating_sum >= rule.min_rating * values.rating_count

    if criterion == p.COMPLETION:
        if rule.min_completion_rate is None:
            return True
        closed = values.closed_count
        return closed > 0 and values.completed_count >= rule.min_completion_rate * closed

    if criterion == p.CONTACT_SUCCESS:
        if rule.min_contact_success_rate is None or values.decided_count == 0:
            return True
        return values.converted_count >= rule.min_contact_success_rate * values.decided_count

    if criterion == p.RESPONSE_TIME:
        if rule.max_response_hours is None or values.inquiry_count == 0:
            return True
        limit = rule.max_response_hours * MICROSECONDS_PER_HOUR * values.inquiry_count
        return values.response_total_us <= limit

    raise ValueError(f"unknown criterion {criterion!r}")


def failing_criteria(values: MetricValues, rule: p.LevelRule) -> list[str]:
    return [name for name in p.CRITERIA if not criterion_met(values, rule, name)]


def qualifying_level(values: MetricValues, policy: p.LevelPolicy) -> int:
    """Return the highest level whose criteria are all met, and whose lower levels are."""
    reached = policy.lowest
    for rule in policy.levels[1:]:
        if failing_criteria(values, rule):
            break
        reached = rule.number
    return reached


def rounded(value: Fraction | None, places: int = 4) -> float | None:
    """Round half to even at ``places`` decimals, for machine-readable output."""
    if value is None:
        return None
    return float(round(value, places))


def rounded_toward_failing(value: Fraction | None, places: int, *, higher_is_better: bool) -> Fraction | None:
    """Round so that a displayed number never looks like a pass that fails.

    A rating of 3.996 shows as 3.99 (rounded down), and a response time of
    24.001 hours shows as 24.01 (rounded up).
    """
    if value is None:
        return None
    scale = 10**places
    scaled = value * scale
    whole = math.floor(scaled) if higher_is_better else math.ceil(scaled)
    return Fraction(whole, scale)


def metrics_json(values: MetricValues) -> dict:
    """Return the metrics in the shape of the export file and of audit events."""
    return {
        "clients": values.clients,
        "rating": rounded(values.rating),
        "rating_count": values.rating_count,
        "completion_rate": rounded(values.completion_rate),
        "contact_success_rate": rounded(values.contact_success_rate),
        "response_time_hours": rounded(values.response_hours),
    }


def thresholds_json(rule: p.LevelRule) -> dict:
    def number(value):
        return None if value is None else float(value)

    return {
        "level": rule.number,
        "clients": rule.min_clients,
        "rating": number(rule.min_rating),
        "completion_rate": number(rule.min_completion_rate),
        "contact_success_rate": number(rule.min_contact_success_rate),
        "response_time_hours": number(rule.max_response_hours),
    }
