"""Policy what-if: which sellers would qualify for which level under proposed thresholds.

Reads the stored metrics of the latest evaluation and writes nothing. The
metrics table contains the raw counts behind every criterion, so both policies
are judged with the exact checks of levels.values, without recomputing
metrics from orders and inquiries.
"""

import dataclasses
import datetime as dt

from levels import policy as p
from levels import values
from levels.evaluation import latest_done_date
from levels.models import SellerMetrics

# Rows per round trip when streaming the metrics table. At 100,000 sellers a
# chunk of 5,000 keeps memory small and the round trips few.
CHUNK_SIZE = 5000

# Movers listed by name; the rest are only counted.
MOVERS_LISTED = 200

METRIC_FIELDS = tuple(field.name for field in dataclasses.fields(values.MetricValues))


@dataclasses.dataclass(frozen=True)
class Move:
    seller_id: int
    current: int
    proposed: int
    # Criteria that decide the move. For a move down, they are those the seller
    # fails at the lowest level lost under the proposed policy. For a move up,
    # they are those of the first level gained that fail now and pass then.
    criteria: tuple[str, ...]

    @property
    def is_up(self) -> bool:
        return self.proposed > self.current


@dataclasses.dataclass
class WhatIfResult:
    evaluated_on: dt.date | None
    sellers: int = 0
    current_counts: dict[int, int] = dataclasses.field(default_factory=dict)
    proposed_counts: dict[int, int] = dataclasses.field(default_factory=dict)
    moved_up: int = 0
    moved_down: int = 0
    # The first MOVERS_LISTED moves in seller id order.
    moves: list[Move] = dataclasses.field(default_factory=list)

    @property
    def moved(self) -> int:
        return self.moved_up + self.moved_down


def compare_policies(current: p.LevelPolicy, proposed: p.LevelPolicy, *,
                     evaluated_on: dt.date | None = None, listed: int = MOVERS_LISTED) -> WhatIfResult:
    """Judge every seller evaluated on ``evaluated_on`` (default: the latest finished date) under both policies.

    Qualifying levels are compared, not levels: grace periods and pins decide
    what a change of qualifying level does to a seller's level.
    """
    if evaluated_on is None:
        evaluated_on = latest_done_date()
    result = WhatIfResult(evaluated_on=evaluated_on)
    result.current_counts = {rule.number: 0 for rule in current.levels}
    result.proposed_counts = {rule.number: 0 for rule in proposed.levels}
    if evaluated_on is None:
        return result

    rows = (
        SellerMetrics.objects.filter(evaluated_on=evaluated_on)
        .order_by("seller_id")
        .values_list("seller_id", *METRIC_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for seller_id, *counts in rows:
        metric_values = values.MetricValues(*counts)
        now = values.qualifying_level(metric_values, current)
        then = values.qualifying_level(metric_values, proposed)

        result.sellers += 1
        result.current_counts[now] += 1
        result.proposed_counts[then] += 1
        if now == then:
            continue

        if then > now:
            result.moved_up += 1
        else:
            result.moved_down += 1
        if len(result.moves) < listed:
            result.moves.append(Move(seller_id, now, then, _deciding_criteria(metric_values, now, then,
                                                                              current, proposed)))
    return result


def _deciding_criteria(metric_values, now: int, then: int, current, proposed) -> tuple[str, ...]:
    if then < now:
        return tuple(values.failing_criteria(metric_values, proposed.level(then + 1)))

    failing_now = values.failing_criteria(metric_values, current.level(now + 1))
    failing_then = set(values.failing_criteria(metric_values, proposed.level(now + 1)))
    return tuple(name for name in failing_now if name not in failing_then)
