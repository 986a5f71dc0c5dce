"""Celery tasks of the nightly evaluation. They only call levels.nightly."""

import logging

from celery import shared_task
from django.db import OperationalError

from levels import evaluation, nightly
from levels.models import EvaluationRun
from levels.policy import current_policy
from marketplace import clock
from marketplace.locks import expiring_lock

logger = logging.getLogger(__name__)

# Longer than the longest evaluation expected, so the lock outlives its
# holder only when the holder died.
LOCK_SECONDS = 4 * 3600


@shared_task(
    name="levels.evaluate_nightly",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=LOCK_SECONDS - 600,
    time_limit=LOCK_SECONDS - 300,
)
def evaluate_nightly(self):
    """Evaluate yesterday, after any missed date, under a lock against overlapping runs."""
    logger.info("Nightly evaluation started (attempt %s)", self.request.retries + 1)
    with expiring_lock("levels-nightly", timeout=LOCK_SECONDS) as acquired:
        if not acquired:
            logger.warning("Nightly evaluation skipped: another one is running")
            return []

        done = []
        for as_of in nightly.dates_to_evaluate(clock.local_today()):
            nightly.evaluate_date(
                as_of, notify=True, helper_tasks=nightly.helper_task_count(),
            )
            done.append(as_of.isoformat())
        logger.info("Nightly evaluation finished: %s", ", ".join(done) or "nothing to evaluate")
        return done


@shared_task(
    name="levels.evaluate_pending_batches",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=5,
)
def evaluate_pending_batches(run_id: int) -> int:
    """Help drain a run's batches; the task that opened the run closes it."""
    run = EvaluationRun.objects.filter(pk=run_id).first()
    if run is None or run.status == EvaluationRun.Status.DONE:
        return 0

    count = evaluation.drain(run, current_policy(), notify=True, wait=False)
    logger.info("Helper evaluated %s batches of run %s", count, run_id)
    return count


@shared_task(name="levels.send_level_notifications", acks_late=True, max_retries=3,
             autoretry_for=(OSError,), retry_backoff=30)
def send_level_notifications(event_ids: list[int]) -> int:
    from levels.notifications import send_event_emails

    return send_event_emails(event_ids)
