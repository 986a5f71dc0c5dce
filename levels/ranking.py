"""The within-level performance score that orders listings, as a pure function.

Each component lies in [0, 1], and the score is their weighted sum with the
weights of the level policy. The dashboard shows the components, so a seller
can tell which one would lift them most.
"""

import dataclasses

from levels import policy as p
from levels.values import MetricValues

# A component with no data counts as average rather than as zero, so a new
# seller is not ranked below one with slow replies.
NEUTRAL = 0.5


@dataclasses.dataclass(frozen=True)
class ScoreComponents:
    rating: float
    response: float
    completion: float
    consistency: float
    variety: float

    def weighted(self, weights: p.RankingWeights) -> dict[str, float]:
        return {
            name: getattr(weights, name) * value
            for name, value in dataclasses.asdict(self).items()
        }


def score_components(values: MetricValues, categories: int, weights: p.RankingWeights) -> ScoreComponents:
    prior_total = weights.prior_reviews * weights.prior_rating
    smoothed = (values.rating_sum + prior_total) / (values.rating_count + weights.prior_reviews)

    if values.inquiry_count:
        hours = values.response_total_us / values.inquiry_count / 3.6e9
        response = max(0.0, 1.0 - hours / weights.response_zero_hours)
    else:
        response = NEUTRAL

    # Laplace smoothing: one completed order out of one is not a perfect record.
    completion = (values.completed_count + 1) / (values.closed_count + 2)

    deviation = values.rating_deviation
    consistency = NEUTRAL if deviation is None else max(0.0, 1.0 - deviation / 2.0)

    variety = min(categories, weights.variety_full_categories) / weights.variety_full_categories

    return ScoreComponents(
        rating=(smoothed - 1.0) / 4.0,
        response=response,
        completion=completion,
        consistency=consistency,
        variety=variety,
    )


def score(values: MetricValues, categories: int, weights: p.RankingWeights) -> float:
    components = score_components(values, categories, weights)
    return round(sum(components.weighted(weights).values()), 6)
