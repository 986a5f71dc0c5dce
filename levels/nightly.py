"""The choice of dates to evaluate, and the evaluation of a date or a range of dates.

The nightly task and the ``recompute_levels`` command both come through here,
so a replay of history follows exactly the path of the nightly job.
"""

import datetime as dt
import logging

from django.conf import settings

from levels import evaluation
from levels.models import EvaluationRun
from levels.policy import current_policy

logger = logging.getLogger(__name__)


def dates_to_evaluate(today: dt.date) -> list[dt.date]:
    """Return the dates the nightly job owes, oldest first.

    That is an unfinished run's date if there is one, then every date after
    the latest finished one up to yesterday. A fresh installation evaluates
    yesterday only: older history is replayed with ``recompute_levels``.
    """
    yesterday = today - dt.timedelta(days=1)
    unfinished = (
        EvaluationRun.objects.exclude(status=EvaluationRun.Status.DONE)
        .order_by("evaluated_on")
        .values_list("evaluated_on", flat=True)
        .first()
    )
    latest = evaluation.latest_evaluated_date()

    dates = [unfinished] if unfinished is not None else []
    if latest is None:
        return [yesterday]

    day = latest + dt.timedelta(days=1)
    while day <= yesterday:
        dates.append(day)
        day += dt.timedelta(days=1)
    return dates


def evaluate_date(as_of: dt.date, *, reevaluate: bool = False, notify: bool = False,
                  helper_tasks: int = 0, on_batch=None) -> EvaluationRun:
    """Evaluate every seller as of ``as_of`` and return the finished run.

    ``helper_tasks`` Celery tasks are queued to drain batches beside this
    process; whatever they do not take, this process evaluates itself.
    """
    policy = current_policy()
    run = evaluation.open_run(as_of, policy, reevaluate=reevaluate)
    if run.status == EvaluationRun.Status.DONE:
        logger.info("Evaluation of %s is already done; nothing to do", as_of)
        return run

    try:
        if helper_tasks:
            _queue_helpers(run, helper_tasks)
        evaluation.drain(run, policy, notify=notify, on_batch=on_batch)
        evaluation.close_run(run)
    except Exception as error:
        logger.exception("Evaluation of %s failed", as_of)
        evaluation.fail_run(run, error)
        raise

    logger.info("Evaluated %s", run.summary())
    return run


def evaluate_range(first: dt.date, last: dt.date, **options):
    """Evaluate each date from ``first`` to ``last`` in order, yielding each finished run."""
    day = first
    while day <= last:
        latest = evaluation.latest_evaluated_date()
        yield evaluate_date(day, reevaluate=(day == latest), **options)
        day += dt.timedelta(days=1)


def _queue_helpers(run: EvaluationRun, count: int) -> None:
    from levels.tasks import evaluate_pending_batches

    for _ in range(count):
        evaluate_pending_batches.delay(run.pk)
    logger.info("Queued %s helper tasks for run %s", count, run.pk)


def helper_task_count() -> int:
    return getattr(settings, "LEVELS_HELPER_TASKS", 1)
