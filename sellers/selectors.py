"""Reads behind the seller's level dashboard.

``level_dashboard`` gathers everything the page shows in a number of queries
that does not depend on how many events or services the seller has. The
criteria checks, the qualifying level and the ranking components all come
from the levels app, so the page can never disagree with the nightly job.
"""

import calendar
import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation
from levels import metrics as metric_queries
from levels import policy as p
from levels import ranking, values
from levels.models import ExclusionRequest, LevelEvent, SellerMetrics
from orders.models import Order, Review
from sellers import nextsteps
from sellers.models import SellerProfile
from services.models import Service

# Lifetime of cached dashboard figures that only an evaluation changes. Their
# keys name the date, so they are at most a day out of date.
DAY_SECONDS = 24 * 3600

CRITERION_LABELS = {
    p.CLIENTS: _("Clients"),
    p.RATING: _("Rating"),
    p.COMPLETION: _("Completion rate"),
    p.CONTACT_SUCCESS: _("Contact success rate"),
    p.RESPONSE_TIME: _("Response time"),
}

COMPONENT_LABELS = {
    "rating": _("Rating"),
    "response": _("Response speed"),
    "completion": _("Completion rate"),
    "consistency": _("Consistency of ratings"),
    "variety": _("Variety of services"),
}

# Pause reasons the evaluation sets when a demotion leaves services outside
# the new level's caps.
DEMOTION_PAUSE_REASONS = (Service.PauseReason.PRICE_ABOVE_LEVEL, Service.PauseReason.OVER_LEVEL_CAP)

# Months of history in the charts, the current month included.
HISTORY_MONTHS = 12

# The dashboard lists the newest events only. Older ones stay in the audit
# trail that staff read in the admin.
EVENTS_SHOWN = 50


@dataclasses.dataclass(frozen=True)
class CriterionRow:
    """One criterion of a level next to the seller's value, as the dashboard shows it.

    ``value`` and ``threshold`` are display strings rounded toward failing.
    ``needed`` is the next-step count of sellers.nextsteps (None when no
    count can meet the threshold), and ``sample`` the number of reviews,
    orders or inquiries behind the value.
    """

    name: str
    label: str
    judged: bool
    met: bool
    value: str | None
    threshold: str | None
    sample: int | None
    progress: int
    needed: int | None
    unanswered: int = 0


@dataclasses.dataclass(frozen=True)
class GracePeriod:
    ends_on: dt.date
    days_left: int
    rows: list[CriterionRow]


@dataclasses.dataclass(frozen=True)
class LevelStanding:
    """Position of the seller's ranking score among the sellers of the same level."""

    score: float
    percentile: int
    sellers_on_level: int
    lift_component: str
    lift_label: str


@dataclasses.dataclass(frozen=True)
class SeriesPoint:
    """One month of a metric: the exact value for the chart, the rounded one for reading."""

    day: dt.date
    value: float | None
    display: str | None


@dataclasses.dataclass(frozen=True)
class MetricSeries:
    name: str
    label: str
    points: list[SeriesPoint]


@dataclasses.dataclass(frozen=True)
class LevelDashboard:
    profile: SellerProfile
    rule: p.LevelRule
    target_rule: p.LevelRule
    keeping_top_level: bool
    active_services: int
    evaluated_on: dt.date | None
    last_qualifying_level: int | None
    today: dt.date
    today_qualifying_level: int
    rows: list[CriterionRow]
    grace: GracePeriod | None
    standing: LevelStanding | None
    events: list[LevelEvent]
    paused_services: list[Service]
    series: list[MetricSeries]


def seller_profile_for(user) -> SellerProfile | None:
    """Return the seller profile of ``user`` with the latest stored metrics, in one query.

    The result, None included, is cached on ``user``, so the navigation of the
    base template reads ``user.seller_profile`` without another query.
    """
    profile = (
        SellerProfile.objects.select_related("user__level_metrics")
        .filter(user_id=user.pk)
        .first()
    )
    SellerProfile._meta.get_field("user").remote_field.set_cached_value(user, profile)
    return profile


def level_dashboard(*, profile: SellerProfile, today: dt.date, policy: p.LevelPolicy) -> LevelDashboard:
    """Return the data of the level dashboard of the seller of ``profile`` as of ``today``."""
    seller = profile.user
    stored = getattr(seller, "level_metrics", None)
    rule = policy.level(profile.level)

    today_values = metric_queries.compute_metrics_for(seller.pk, today, policy)
    today_qualifying = values.qualifying_level(today_values, policy)
    # Before the first nightly evaluation there is no stored row, so the
    # values of today stand in for it.
    current_values = stored.as_values() if stored is not None else today_values

    keeping_top_level = profile.level >= policy.highest
    target_rule = rule if keeping_top_level else policy.level(profile.level + 1)

    services = Service.objects.filter(seller_id=seller.pk, status=Service.Status.ACTIVE).aggregate(
        active=Count("pk"), categories=Count("category_id", distinct=True),
    )

    return LevelDashboard(
        profile=profile,
        rule=rule,
        target_rule=target_rule,
        keeping_top_level=keeping_top_level,
        active_services=services["active"],
        evaluated_on=stored.evaluated_on if stored is not None else None,
        last_qualifying_level=stored.qualifying_level if stored is not None else None,
        today=today,
        today_qualifying_level=today_qualifying,
        rows=criterion_rows(current_values, target_rule),
        grace=grace_period(profile, current_values, rule, today),
        standing=level_standing(profile, stored, services["categories"], policy),
        events=list(LevelEvent.objects.filter(seller_id=seller.pk).order_by("-evaluated_on", "-pk")[:EVENTS_SHOWN]),
        paused_services=list(
            Service.objects.filter(
                seller_id=seller.pk, status=Service.Status.PAUSED, pause_reason__in=DEMOTION_PAUSE_REASONS,
            ).order_by("-paused_at", "-pk")
        ),
        series=monthly_series(seller.pk, today, today_values, policy),
    )


# Criteria


def _display(value: Fraction | None, places: int, *, higher_is_better: bool) -> str | None:
    """Return ``value`` as a plain decimal string, rounded toward failing at ``places``."""
    rounded = values.rounded_toward_failing(value, places, higher_is_better=higher_is_better)
    if rounded is None:
        return None
    exact = Decimal(rounded.numerator) / Decimal(rounded.denominator)
    return f"{exact.quantize(Decimal(1).scaleb(-places)):f}"


def _threshold(value: Fraction | None, *, minimum: bool, scale: int = 1, min_places: int = 0) -> str | None:
    """Return a threshold for display with at most two decimals and at least ``min_places``.

    A minimum is rounded up and a maximum down, so a non-terminating
    threshold from the settings never reads as laxer than it is.
    """
    if value is None:
        return None
    whole, _, decimals = _display(value * scale, 2, higher_is_better=not minimum).partition(".")
    decimals = decimals.rstrip("0").ljust(min_places, "0")
    return f"{whole}.{decimals}" if decimals else whole


def criterion_rows(metric_values: values.MetricValues, rule: p.LevelRule, names=p.CRITERIA) -> list[CriterionRow]:
    """Return the rows of the criteria ``names`` of ``rule`` for ``metric_values``."""
    builders = {
        p.CLIENTS: _clients_row,
        p.RATING: _rating_row,
        p.COMPLETION: _completion_row,
        p.CONTACT_SUCCESS: _contact_row,
        p.RESPONSE_TIME: _response_row,
    }
    return [builders[name](metric_values, rule) for name in names]


def _clients_row(metric_values: values.MetricValues, rule: p.LevelRule) -> CriterionRow:
    minimum = rule.min_clients
    return CriterionRow(
        name=p.CLIENTS,
        label=CRITERION_LABELS[p.CLIENTS],
        judged=minimum is not None,
        met=values.criterion_met(metric_values, rule, p.CLIENTS),
        value=str(metric_values.clients),
        threshold=None if minimum is None else str(minimum),
        sample=None,
        progress=nextsteps.percent_of(Fraction(metric_values.clients), minimum, higher_is_better=True),
        needed=nextsteps.clients_needed(clients=metric_values.clients, minimum=minimum),
    )


def _rating_row(metric_values: values.MetricValues, rule: p.LevelRule) -> CriterionRow:
    minimum = rule.min_rating
    return CriterionRow(
        name=p.RATING,
        label=CRITERION_LABELS[p.RATING],
        judged=minimum is not None,
        met=values.criterion_met(metric_values, rule, p.RATING),
        value=_display(metric_values.rating, 2, higher_is_better=True),
        threshold=_threshold(minimum, minimum=True, min_places=1),
        sample=metric_values.rating_count,
        progress=nextsteps.percent_of(metric_values.rating, minimum, higher_is_better=True),
        needed=nextsteps.five_star_reviews_needed(
            rating_sum=metric_values.rating_sum, rating_count=metric_values.rating_count, minimum=minimum,
        ),
    )


def _completion_row(metric_values: values.MetricValues, rule: p.LevelRule) -> CriterionRow:
    minimum = rule.min_completion_rate
    rate = metric_values.completion_rate
    return CriterionRow(
        name=p.COMPLETION,
        label=CRITERION_LABELS[p.COMPLETION],
        judged=minimum is not None,
        met=values.criterion_met(metric_values, rule, p.COMPLETION),
        value=_display(None if rate is None else rate * 100, 1, higher_is_better=True),
        threshold=_threshold(minimum, minimum=True, scale=100),
        sample=metric_values.closed_count,
        progress=nextsteps.percent_of(rate, minimum, higher_is_better=True),
        needed=nextsteps.completions_needed(
            completed=metric_values.completed_count, cancelled=metric_values.cancelled_count, minimum=minimum,
        ),
    )


def _contact_row(metric_values: values.MetricValues, rule: p.LevelRule) -> CriterionRow:
    minimum = rule.min_contact_success_rate
    rate = metric_values.contact_success_rate
    met = values.criterion_met(metric_values, rule, p.CONTACT_SUCCESS)
    return CriterionRow(
        name=p.CONTACT_SUCCESS,
        label=CRITERION_LABELS[p.CONTACT_SUCCESS],
        judged=minimum is not None,
        met=met,
        value=_display(None if rate is None else rate * 100, 1, higher_is_better=True),
        threshold=_threshold(minimum, minimum=True, scale=100),
        sample=metric_values.decided_count,
        # With no decided inquiry the criterion passes, so the bar is full.
        progress=100 if rate is None and met else nextsteps.percent_of(rate, minimum, higher_is_better=True),
        needed=nextsteps.conversions_needed(
            converted=metric_values.converted_count, decided=metric_values.decided_count, minimum=minimum,
        ),
    )


def _response_row(metric_values: values.MetricValues, rule: p.LevelRule) -> CriterionRow:
    maximum = rule.max_response_hours
    return CriterionRow(
        name=p.RESPONSE_TIME,
        label=CRITERION_LABELS[p.RESPONSE_TIME],
        judged=maximum is not None,
        met=values.criterion_met(metric_values, rule, p.RESPONSE_TIME),
        value=_display(metric_values.response_hours, 1, higher_is_better=False),
        threshold=_threshold(maximum, minimum=False),
        sample=metric_values.inquiry_count,
        progress=nextsteps.percent_of(metric_values.response_hours, maximum, higher_is_better=False),
        needed=None,
        unanswered=metric_values.unanswered_count,
    )


# Grace period and standing


def grace_period(profile: SellerProfile, metric_values: values.MetricValues, rule: p.LevelRule,
                 today: dt.date) -> GracePeriod | None:
    """Return the running grace period with a row per criterion that started it, or None."""
    if not profile.in_grace:
        return None

    names = [name for name in p.CRITERIA if name in (profile.failing_criteria or ())]
    return GracePeriod(
        ends_on=profile.grace_ends_on,
        days_left=max(0, (profile.grace_ends_on - today).days),
        rows=criterion_rows(metric_values, rule, names),
    )


def level_standing(profile: SellerProfile, stored: SellerMetrics | None, categories: int,
                   policy: p.LevelPolicy) -> LevelStanding | None:
    """Return the seller's percentile within the level and the component that would lift them most.

    The percentile is the share of sellers on the same level with a lower
    stored score, counted in one aggregate query. The lift is the largest
    weighted gap, weight × (1 − component), of the ranking score.
    """
    if stored is None:
        return None

    # Scores change only at an evaluation, so the counts are cached until the
    # next one: at 100,000 sellers the aggregate takes about 20 ms.
    key = f"sellers:standing:{profile.level}:{stored.evaluated_on}:{stored.score!r}"
    counts = cache.get(key)
    if counts is None:
        counts = SellerMetrics.objects.filter(seller__seller_profile__level=profile.level).aggregate(
            total=Count("pk"), lower=Count("pk", filter=Q(score__lt=stored.score)),
        )
        cache.set(key, counts, DAY_SECONDS)
    total = counts["total"] or 1

    weights = policy.ranking
    components = ranking.score_components(stored.as_values(), categories, weights)
    gaps = {
        name: getattr(weights, name) * (1.0 - value)
        for name, value in dataclasses.asdict(components).items()
    }
    lift = max(gaps, key=gaps.get)

    return LevelStanding(
        score=stored.score,
        percentile=counts["lower"] * 100 // total,
        sellers_on_level=counts["total"],
        lift_component=lift,
        lift_label=COMPONENT_LABELS[lift],
    )


# History


def month_ends(today: dt.date, months: int = HISTORY_MONTHS) -> list[dt.date]:
    """Return the last day of each of the ``months - 1`` previous months, then ``today``."""
    ends = []
    year, month = today.year, today.month
    for _step in range(months - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(ends), today]


def monthly_series(seller_id: int, today: dt.date, today_values: values.MetricValues,
                   policy: p.LevelPolicy) -> list[MetricSeries]:
    """Return each metric at the end of the last months, oldest first.

    Each past month costs one compute_metrics_for call, i.e. four aggregate
    queries, so eleven months add 44 queries for one seller. They are cached
    for the day: past month-ends change only when staff exclude data, and
    exclusions show at the next evaluation anyway. The current month reuses
    the values already computed for today.
    """
    dates = month_ends(today)
    key = f"sellers:monthly:{seller_id}:{today.isoformat()}:{policy.digest()}"
    history = cache.get(key)
    if history is None:
        history = [metric_queries.compute_metrics_for(seller_id, day, policy) for day in dates[:-1]]
        cache.set(key, history, DAY_SECONDS)
    history = [*history, today_values]

    def series(name, value_of, places, *, scale=1, higher_is_better=True):
        points = []
        for day, metric_values in zip(dates, history):
            value = value_of(metric_values)
            scaled = None if value is None else Fraction(value) * scale
            points.append(SeriesPoint(
                day=day,
                value=None if scaled is None else float(scaled),
                display=_display(scaled, places, higher_is_better=higher_is_better),
            ))
        return MetricSeries(name=name, label=CRITERION_LABELS[name], points=points)

    return [
        series(p.CLIENTS, attrgetter("clients"), 0),
        series(p.RATING, attrgetter("rating"), 2),
        series(p.COMPLETION, attrgetter("completion_rate"), 1, scale=100),
        series(p.CONTACT_SUCCESS, attrgetter("contact_success_rate"), 1, scale=100),
        series(p.RESPONSE_TIME, attrgetter("response_hours"), 1, higher_is_better=False),
    ]


# The policy, for the help page


@dataclasses.dataclass(frozen=True)
class LevelSummary:
    """One level of the policy as the help page lists it, thresholds as display strings."""

    number: int
    min_clients: str | None
    min_rating: str | None
    min_completion_percent: str | None
    min_contact_success_percent: str | None
    max_response_hours: str | None
    max_active_services: int
    min_price: Decimal
    max_price: Decimal


def level_summaries(policy: p.LevelPolicy) -> list[LevelSummary]:
    """Return every level of ``policy``, lowest first, ready for the thresholds table."""
    return [
        LevelSummary(
            number=rule.number,
            min_clients=None if rule.min_clients is None else str(rule.min_clients),
            min_rating=_threshold(rule.min_rating, minimum=True, min_places=1),
            min_completion_percent=_threshold(rule.min_completion_rate, minimum=True, scale=100),
            min_contact_success_percent=_threshold(rule.min_contact_success_rate, minimum=True, scale=100),
            max_response_hours=_threshold(rule.max_response_hours, minimum=False),
            max_active_services=rule.max_active_services,
            min_price=rule.min_price,
            max_price=rule.max_price,
        )
        for rule in policy.levels
    ]


# Exclusion requests and exclusions, for the seller's own pages

# The request form lists the newest requestable orders and inquiries only.
# An older one is still preselected by the link on its own page.
REQUESTABLE_SHOWN = 100

# Staff exclude rarely, so the newest rows of each kind cover every seller in
# practice. The page shows a note when there are more than this.
EXCLUDED_SHOWN = 100


@dataclasses.dataclass(frozen=True)
class ExcludedItems:
    """The seller's orders, reviews and inquiries that staff excluded from the metrics, newest first."""

    orders: list[Order]
    reviews: list[Review]
    inquiries: list[Conversation]
    truncated: bool


def _pending_request_for(field: str) -> Exists:
    return Exists(
        ExclusionRequest.objects.filter(**{field: OuterRef("pk")}, status=ExclusionRequest.Status.PENDING)
    )


def requestable_orders(seller, *, limit: int = REQUESTABLE_SHOWN) -> list[Order]:
    """Return the seller's cancelled orders that are not excluded and have no pending request.

    levels.exclusions.exclusion_request_create applies the same rules and
    stays the one that decides, so this list only narrows what the form offers.
    """
    return list(
        Order.objects.select_related("service")
        .filter(seller_id=seller.pk, cancelled_at__isnull=False, excluded=False)
        .exclude(_pending_request_for("order"))
        .order_by("-cancelled_at", "-pk")[:limit]
    )


def requestable_inquiries(seller, *, limit: int = REQUESTABLE_SHOWN) -> list[Conversation]:
    """Return the seller's inquiries that are not excluded and have no pending request, newest first."""
    return list(
        Conversation.objects.select_related("buyer")
        .filter(seller_id=seller.pk, excluded=False)
        .exclude(_pending_request_for("conversation"))
        .order_by("-started_at", "-pk")[:limit]
    )


def exclusion_request_possible(*, user, order: Order | None = None,
                               conversation: Conversation | None = None) -> bool:
    """Return whether ``user`` may ask to exclude ``order`` or ``conversation`` now.

    Pages use it to decide whether to offer the request link, so it runs one
    EXISTS query only when the cheaper checks pass.
    """
    target = order if order is not None else conversation
    if target is None or target.seller_id != user.pk or target.excluded:
        return False
    if order is not None and order.cancelled_at is None:
        return False

    field = "order" if order is not None else "conversation"
    return not ExclusionRequest.objects.filter(
        **{field: target}, status=ExclusionRequest.Status.PENDING,
    ).exists()


def exclusion_requests_of(seller) -> QuerySet[ExclusionRequest]:
    """Return the seller's exclusion requests with their targets, newest first."""
    return (
        ExclusionRequest.objects.filter(seller_id=seller.pk)
        .select_related("order__service", "conversation__buyer")
        .order_by("-created_at", "-pk")
    )


def excluded_items_of(seller, *, limit: int = EXCLUDED_SHOWN) -> ExcludedItems:
    """Return up to ``limit`` excluded orders, reviews and inquiries of the seller, in three queries."""
    # Fetching one row more than shown reveals whether the list is cut, without a count query.
    orders = list(
        Order.objects.select_related("service")
        .filter(seller_id=seller.pk, excluded=True)
        .order_by(F("excluded_at").desc(nulls_last=True), "-pk")[:limit + 1]
    )
    reviews = list(
        Review.objects.select_related("order__service")
        .filter(seller_id=seller.pk, excluded=True)
        .order_by(F("excluded_at").desc(nulls_last=True), "-pk")[:limit + 1]
    )
    inquiries = list(
        Conversation.objects.select_related("buyer")
        .filter(seller_id=seller.pk, excluded=True)
        .order_by(F("excluded_at").desc(nulls_last=True), "-pk")[:limit + 1]
    )
    return ExcludedItems(
        orders=orders[:limit],
        reviews=reviews[:limit],
        inquiries=inquiries[:limit],
        truncated=any(len(rows) > limit for rows in (orders, reviews, inquiries)),
    )
