"""The level policy as data: thresholds, windows, grace period, caps and ranking weights.

This module imports no model, so any app can read caps from it. No threshold of
the level system is written anywhere else; operators change them through
settings.LEVEL_POLICY_OVERRIDES, for example::

    LEVEL_POLICY_OVERRIDES = {"grace_days": 90, "levels": {"2": {"min_clients": 8}}}
"""

import dataclasses
import hashlib
import json
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

# Criteria names, in the order screens list them.
CLIENTS = "clients"
RATING = "rating"
COMPLETION = "completion_rate"
CONTACT_SUCCESS = "contact_success_rate"
RESPONSE_TIME = "response_time"
CRITERIA = (CLIENTS, RATING, COMPLETION, CONTACT_SUCCESS, RESPONSE_TIME)


@dataclasses.dataclass(frozen=True)
class LevelRule:
    """The requirements and the allowances of one level.

    A threshold of None means the level does not judge that criterion. Rates
    and ratings are exact fractions so comparisons never go through floats.
    """

    number: int
    min_clients: int | None
    min_rating: Fraction | None
    min_completion_rate: Fraction | None
    min_contact_success_rate: Fraction | None
    max_response_hours: Fraction | None
    max_active_services: int
    min_price: Decimal
    max_price: Decimal


@dataclasses.dataclass(frozen=True)
class RankingWeights:
    """Weights of the components of the within-level ranking score (they sum to 1)."""

    rating: float = 0.35
    response: float = 0.2
    completion: float = 0.25
    consistency: float = 0.1
    variety: float = 0.1
    # Reviews a seller's mean rating is blended with, at prior_rating, so that a
    # 5.0 from two reviews ranks below a 4.8 from a hundred.
    prior_reviews: int = 10
    prior_rating: float = 4.0
    # First-reply delay at which the response component reaches zero.
    response_zero_hours: float = 72.0
    # Active services in distinct categories at which variety is full.
    variety_full_categories: int = 3


@dataclasses.dataclass(frozen=True)
class LevelPolicy:
    levels: tuple[LevelRule, ...]
    rating_window_days: int = 365
    completion_window_days: int = 365
    contact_window_days: int = 365
    response_window_days: int = 365
    conversion_window_days: int = 30
    grace_days: int = 180
    # Demotion keeps active the services with the most completed orders in
    # this many trailing days.
    pause_ranking_days: int = 365
    ranking: RankingWeights = RankingWeights()

    def level(self, number: int) -> LevelRule:
        return self.levels[number - 1]

    @property
    def lowest(self) -> int:
        return self.levels[0].number

    @property
    def highest(self) -> int:
        return self.levels[-1].number

    def as_json(self) -> dict:
        """Return the policy as JSON-ready data, for events and the admin."""
        return json.loads(json.dumps(dataclasses.asdict(self), default=str))

    def digest(self) -> str:
        payload = json.dumps(self.as_json(), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:16]


# Global price bounds. The database check constraint on Service.price is
# built from them, so changing them needs a migration.
PRICE_FLOOR = Decimal("5.00")
PRICE_CEILING = Decimal("200.00")

DEFAULT_POLICY = LevelPolicy(
    levels=(
        LevelRule(
            number=1,
            min_clients=None,
            min_rating=None,
            min_completion_rate=None,
            min_contact_success_rate=None,
            max_response_hours=None,
            max_active_services=5,
            min_price=PRICE_FLOOR,
            max_price=Decimal("50.00"),
        ),
        LevelRule(
            number=2,
            min_clients=10,
            min_rating=Fraction(4),
            min_completion_rate=Fraction(80, 100),
            min_contact_success_rate=Fraction(15, 100),
            max_response_hours=Fraction(24),
            max_active_services=10,
            min_price=PRICE_FLOOR,
            max_price=Decimal("100.00"),
        ),
        LevelRule(
            number=3,
            min_clients=25,
            min_rating=Fraction(45, 10),
            min_completion_rate=Fraction(90, 100),
            min_contact_success_rate=Fraction(33, 100),
            max_response_hours=Fraction(24),
            max_active_services=10,
            min_price=PRICE_FLOOR,
            max_price=PRICE_CEILING,
        ),
    ),
)

_FRACTION_FIELDS = {
    "min_rating", "min_completion_rate", "min_contact_success_rate", "max_response_hours",
}
_DECIMAL_FIELDS = {"min_price", "max_price"}


def _coerce_rule_value(name: str, value):
    if value is None:
        return None
    if name in _FRACTION_FIELDS:
        return Fraction(str(value))
    if name in _DECIMAL_FIELDS:
        return Decimal(str(value))
    return int(value)


def build_policy(overrides: dict | None = None, base: LevelPolicy = DEFAULT_POLICY) -> LevelPolicy:
    """Return ``base`` with ``overrides`` applied.

    ``overrides["levels"]`` maps a level number (int or str) to the fields of
    that level to change. ``overrides["ranking"]`` changes ranking weights.
    Any other key replaces the policy field of that name.
    """
    overrides = dict(overrides or {})
    level_changes = {int(k): v for k, v in overrides.pop("levels", {}).items()}
    ranking_changes = overrides.pop("ranking", {})

    levels = []
    for rule in base.levels:
        changes = {
            name: _coerce_rule_value(name, value)
            for name, value in level_changes.get(rule.number, {}).items()
        }
        levels.append(dataclasses.replace(rule, **changes))

    ranking = dataclasses.replace(base.ranking, **ranking_changes)
    return dataclasses.replace(base, levels=tuple(levels), ranking=ranking, **overrides)


def current_policy() -> LevelPolicy:
    """Return the policy in force: the default with the settings overrides applied."""
    return build_policy(getattr(settings, "LEVEL_POLICY_OVERRIDES", None))
