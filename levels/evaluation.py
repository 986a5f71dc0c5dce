"""The evaluation of one date: runs, batches of sellers, and the batch step itself.

A run is created once per date with its batches (id ranges of sellers). Each
batch is claimed with a row lock, evaluated and marked done in one
transaction, so a crash loses no finished batch and a rerun evaluates only the
rest. Several workers may drain the same run; ``SKIP LOCKED`` keeps them off
each other's batches on PostgreSQL (SQLite runs one writer at a time anyway).
"""

import dataclasses
import datetime as dt
import logging
import time
import traceback

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum

from levels import metrics as metric_queries
from levels import policy as p
from levels import ranking, rules, values
from levels.metrics_table import MetricsRow, upsert_metrics
from levels.models import EvaluationBatch, EvaluationRun, LevelEvent, PolicySnapshot
from marketplace import clock
from sellers.models import SellerProfile
from services.models import Service

logger = logging.getLogger(__name__)

# Sellers per batch. A batch keeps its sellers' profile rows locked until it
# commits, so it should last about a second: on this project's 2-core test
# machine an Olist night of 1,125 sellers took 0.35 s on PostgreSQL.
DEFAULT_BATCH_SIZE = 2000

# How long a worker that finds every remaining batch claimed by others waits
# between looks, in seconds.
DRAIN_POLL_SECONDS = 0.2

COUNTED_KINDS = {
    rules.PROMOTED: "promoted",
    rules.GRACE_STARTED: "grace_started",
    rules.RECOVERED: "recovered",
    rules.DEMOTED: "demoted",
}


class EvaluationOrderError(Exception):
    """An evaluation date was requested out of order."""


@dataclasses.dataclass
class BatchCounts:
    sellers_evaluated: int = 0
    promoted: int = 0
    grace_started: int = 0
    recovered: int = 0
    demoted: int = 0


def batch_size() -> int:
    return getattr(settings, "LEVELS_BATCH_SIZE", DEFAULT_BATCH_SIZE)


def policy_snapshot(policy: p.LevelPolicy) -> PolicySnapshot:
    snapshot, _ = PolicySnapshot.objects.get_or_create(
        digest=policy.digest(), defaults={"data": policy.as_json()},
    )
    return snapshot


def latest_evaluated_date() -> dt.date | None:
    return EvaluationRun.objects.aggregate(latest=Max("evaluated_on"))["latest"]


def latest_done_date() -> dt.date | None:
    done = EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE)
    return done.aggregate(latest=Max("evaluated_on"))["latest"]


# Opening and closing runs


def open_run(as_of: dt.date, policy: p.LevelPolicy, *, reevaluate: bool = False) -> EvaluationRun:
    """Return the run of ``as_of``, created with its batches if it is new.

    A finished run is returned as it is unless ``reevaluate`` is set, which is
    allowed for the latest evaluated date only. An unfinished run is resumed.
    """
    _check_order(as_of)
    run = EvaluationRun.objects.filter(evaluated_on=as_of).first()

    if run is None:
        return _create_run(as_of, policy)

    if run.status == EvaluationRun.Status.DONE and not reevaluate:
        return run

    with transaction.atomic():
        if run.status == EvaluationRun.Status.DONE:
            run.batches.all().delete()
            _create_batches(run)
        run.status = EvaluationRun.Status.RUNNING
        run.error = ""
        run.finished_at = None
        run.policy = policy_snapshot(policy)
        run.save(update_fields=["status", "error", "finished_at", "policy"])
    logger.info("Resuming evaluation run %s for %s", run.pk, as_of)
    return run


def _check_order(as_of: dt.date) -> None:
    latest = latest_evaluated_date()
    if latest is not None and as_of < latest:
        raise EvaluationOrderError(
            f"Cannot evaluate {as_of}: evaluations move forward and {latest} is already "
            f"evaluated. Only {latest} itself may be evaluated again."
        )

    unfinished = (
        EvaluationRun.objects.exclude(status=EvaluationRun.Status.DONE)
        .exclude(evaluated_on=as_of)
        .order_by("evaluated_on")
        .first()
    )
    if unfinished is not None:
        raise EvaluationOrderError(
            f"Cannot evaluate {as_of}: the evaluation of {unfinished.evaluated_on} is unfinished. "
            f"Evaluate {unfinished.evaluated_on} again first to complete it."
        )


def _create_run(as_of: dt.date, policy: p.LevelPolicy) -> EvaluationRun:
    try:
        with transaction.atomic():
            run = EvaluationRun.objects.create(
                evaluated_on=as_of, started_at=clock.now(), policy=policy_snapshot(policy),
            )
            _create_batches(run)
    except IntegrityError:
        # Another process created the run between the lookup and this insert.
        return EvaluationRun.objects.get(evaluated_on=as_of)

    logger.info("Opened evaluation run %s for %s with %s batches", run.pk, as_of, run.batches.count())
    return run


def _create_batches(run: EvaluationRun) -> None:
    seller_ids = list(SellerProfile.objects.order_by("user_id").values_list("user_id", flat=True))
    size = batch_size()
    EvaluationBatch.objects.bulk_create(
        EvaluationBatch(run=run, first_seller_id=chunk[0], last_seller_id=chunk[-1])
        for chunk in (seller_ids[i:i + size] for i in range(0, len(seller_ids), size))
    )


def close_run(run: EvaluationRun) -> bool:
    """Mark ``run`` done with the sum of its batches, once none is pending.

    Returns whether this call closed it; the conditional update lets several
    workers race here safely.
    """
    if run.batches.filter(status=EvaluationBatch.Status.PENDING).exists():
        return False

    totals = run.batches.aggregate(
        sellers_evaluated=Sum("sellers_evaluated"), promoted=Sum("promoted"),
        grace_started=Sum("grace_started"), recovered=Sum("recovered"), demoted=Sum("demoted"),
    )
    closed = EvaluationRun.objects.filter(pk=run.pk).exclude(status=EvaluationRun.Status.DONE).update(
        status=EvaluationRun.Status.DONE,
        finished_at=clock.now(),
        **{name: total or 0 for name, total in totals.items()},
    )
    run.refresh_from_db()
    return bool(closed)


def fail_run(run: EvaluationRun, error: BaseException) -> None:
    EvaluationRun.objects.filter(pk=run.pk).update(
        status=EvaluationRun.Status.FAILED,
        finished_at=clock.now(),
        error="".join(traceback.format_exception(error))[-10000:],
    )


# Draining batches


def drain(run: EvaluationRun, policy: p.LevelPolicy, *, notify: bool = False, wait: bool = True,
          on_batch=None) -> int:
    """Evaluate pending batches of ``run`` until none is left; return how many this call did.

    With ``wait``, a worker that finds the rest claimed by others waits until
    they finish, so the caller may close the run afterwards.
    """
    done = 0
    while True:
        counts = evaluate_next_batch(run, policy, notify=notify)
        if counts is not None:
            done += 1
            if on_batch is not None:
                on_batch(counts)
            continue

        pending = run.batches.filter(status=EvaluationBatch.Status.PENDING).exists()
        if not (wait and pending):
            return done
        time.sleep(DRAIN_POLL_SECONDS)


def evaluate_next_batch(run: EvaluationRun, policy: p.LevelPolicy, *, notify: bool = False):
    """Claim one pending batch, evaluate it and mark it done, all in one transaction.

    Returns its counts, or None when no unclaimed batch is left.
    """
    with transaction.atomic():
        batch = (
            EvaluationBatch.objects.select_for_update(skip_locked=True)
            .filter(run=run, status=EvaluationBatch.Status.PENDING)
            .order_by("first_seller_id")
            .first()
        )
        if batch is None:
            return None

        counts = evaluate_batch(run, batch, policy, notify=notify)
        batch.status = EvaluationBatch.Status.DONE
        batch.finished_at = clock.now()
        for name, value in dataclasses.asdict(counts).items():
            setattr(batch, name, value)
        batch.save()

    logger.info(
        "Run %s evaluated sellers %s..%s as of %s: %s",
        run.pk, batch.first_seller_id, batch.last_seller_id, run.evaluated_on, counts,
    )
    return counts


# The batch step


def evaluate_batch(run: EvaluationRun, batch: EvaluationBatch, policy: p.LevelPolicy, *,
                   notify: bool = False) -> BatchCounts:
    """Evaluate the sellers of one batch with a fixed number of queries."""
    as_of = run.evaluated_on
    first, last = batch.first_seller_id, batch.last_seller_id

    profiles = list(
        SellerProfile.objects.select_for_update()
        .filter(metric_queries.in_range((first, last), "user_id"))
        .order_by("user_id")
    )
    metrics_by_seller = metric_queries.compute_metrics(first, last, as_of, policy)
    categories = _active_categories(metric_queries.in_range((first, last)))

    outcome = _decide_batch(run, profiles, metrics_by_seller, categories, policy)
    _write_batch(outcome, as_of, policy, notify=notify)
    return outcome.counts


def evaluate_sellers(seller_ids, *, actor, reason: str = "") -> BatchCounts:
    """Re-evaluate some sellers now, as of the latest finished evaluation date.

    Staff use it after correcting data (an exclusion, say). The events it
    writes name the staff member and the reason.
    """
    as_of = latest_done_date()
    if as_of is None:
        raise EvaluationOrderError("No evaluation has finished yet, so there is no date to re-evaluate.")
    run = EvaluationRun.objects.get(evaluated_on=as_of)
    policy = p.current_policy()
    seller_ids = sorted(set(seller_ids))

    with transaction.atomic():
        profiles = list(
            SellerProfile.objects.select_for_update().filter(user_id__in=seller_ids).order_by("user_id")
        )
        metrics_by_seller = metric_queries.compute_metrics_for_ids(seller_ids, as_of, policy)
        categories = _active_categories(Q(seller_id__in=seller_ids))
        outcome = _decide_batch(run, profiles, metrics_by_seller, categories, policy)
        for event in outcome.events:
            event.actor = actor
            event.reason = reason
        _write_batch(outcome, as_of, policy, notify=True)

    logger.info("Staff %s re-evaluated %s sellers as of %s: %s", actor.pk, len(profiles), as_of, outcome.counts)
    return outcome.counts


@dataclasses.dataclass
class _BatchOutcome:
    counts: BatchCounts
    metric_rows: list
    changed_profiles: list
    events: list
    demotions: dict
    ranks: dict = dataclasses.field(default_factory=dict)


def _decide_batch(run, profiles, metrics_by_seller, categories, policy) -> _BatchOutcome:
    as_of = run.evaluated_on
    outcome = _BatchOutcome(BatchCounts(), [], [], [], {})

    for profile in profiles:
        seller_values = metrics_by_seller.get(profile.user_id, values.MetricValues())
        qualifying = values.qualifying_level(seller_values, policy)

        decision = rules.decide(
            state_of(profile), qualifying, as_of,
            lambda number, v=seller_values: values.failing_criteria(v, policy.level(number)),
            policy,
        )

        score = ranking.score(seller_values, categories.get(profile.user_id, 0), policy.ranking)
        outcome.metric_rows.append(MetricsRow(profile.user_id, as_of, seller_values, qualifying, score))
        if apply_state(profile, decision.state, qualifying):
            outcome.changed_profiles.append(profile)
        outcome.ranks[profile.user_id] = (profile.level, score)

        for transition in decision.transitions:
            outcome.events.append(
                _event(run, profile, transition, decision.state, qualifying, seller_values, policy)
            )
            counter = COUNTED_KINDS.get(transition.kind)
            if counter:
                setattr(outcome.counts, counter, getattr(outcome.counts, counter) + 1)
            if transition.kind == rules.DEMOTED:
                outcome.demotions[profile.user_id] = transition.to_level

        outcome.counts.sellers_evaluated += 1
    return outcome


def _write_batch(outcome: _BatchOutcome, as_of: dt.date, policy: p.LevelPolicy, *, notify: bool) -> None:
    from levels.notifications import queue_event_notifications
    from services.services import pause_services_over_caps, services_rank_refresh

    upsert_metrics(outcome.metric_rows)
    if outcome.changed_profiles:
        SellerProfile.objects.bulk_update(outcome.changed_profiles, PROFILE_STATE_FIELDS, batch_size=500)

    if outcome.demotions:
        paused = pause_services_over_caps(demotions=outcome.demotions, as_of=as_of, policy=policy)
        for event in outcome.events:
            if event.kind == LevelEvent.Kind.DEMOTED and event.seller_id in paused:
                event.details = {"paused_services": paused[event.seller_id]}

    services_rank_refresh(ranks=outcome.ranks)
    created = LevelEvent.objects.bulk_create(outcome.events, batch_size=500)
    if notify and created:
        queue_event_notifications(created)


def _active_categories(sellers: Q) -> dict[int, int]:
    rows = (
        Service.objects.filter(sellers, status=Service.Status.ACTIVE)
        .values("seller_id")
        .annotate(categories=Count("category_id", distinct=True))
        .order_by()
    )
    return {row["seller_id"]: row["categories"] for row in rows}


def _event(run, profile, transition, state, qualifying, seller_values, policy) -> LevelEvent:
    judged_level = transition.to_level if transition.kind == rules.PROMOTED else transition.from_level
    return LevelEvent(
        seller_id=profile.user_id,
        kind=transition.kind,
        evaluated_on=run.evaluated_on,
        from_level=transition.from_level,
        to_level=transition.to_level,
        qualifying_level=qualifying,
        grace_ends_on=state.grace_ends_on,
        failing_criteria=list(state.failing_criteria),
        metrics=values.metrics_json(seller_values),
        thresholds=values.thresholds_json(policy.level(judged_level)),
        policy_id=run.policy_id,
        run=run,
    )


# Seller state, between the model and the pure rules

PROFILE_STATE_FIELDS = [
    "level", "level_since", "qualifying_level", "grace_started_on", "grace_ends_on",
    "failing_criteria", "override_level", "override_ends_on", "override_reason", "override_set_by",
]
# Compared through the column names so that no foreign key is fetched.
_PROFILE_STATE_ATTNAMES = [
    name + "_id" if name == "override_set_by" else name for name in PROFILE_STATE_FIELDS
]


def state_of(profile: SellerProfile) -> rules.SellerState:
    return rules.SellerState(
        level=profile.level,
        level_since=profile.level_since,
        grace_started_on=profile.grace_started_on,
        grace_ends_on=profile.grace_ends_on,
        failing_criteria=tuple(profile.failing_criteria or ()),
        override_level=profile.override_level,
        override_ends_on=profile.override_ends_on,
    )


def apply_state(profile: SellerProfile, state: rules.SellerState, qualifying: int) -> bool:
    """Copy ``state`` onto ``profile``; return whether any field changed."""
    before = [getattr(profile, name) for name in _PROFILE_STATE_ATTNAMES]

    profile.level = state.level
    profile.level_since = state.level_since
    profile.qualifying_level = qualifying
    profile.grace_started_on = state.grace_started_on
    profile.grace_ends_on = state.grace_ends_on
    profile.failing_criteria = list(state.failing_criteria)
    if state.override_level is None and profile.override_level is not None:
        profile.override_reason = ""
        profile.override_set_by_id = None
    profile.override_level = state.override_level
    profile.override_ends_on = state.override_ends_on

    return before != [getattr(profile, name) for name in _PROFILE_STATE_ATTNAMES]
