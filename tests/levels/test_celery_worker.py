"""The nightly task end to end: a real Redis broker and a real Celery worker process."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from levels.models import EvaluationRun, LevelEvent
from levels.tasks import evaluate_nightly
from marketplace import clock
from orders.models import Order
from sellers.models import SellerProfile
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 60
TASK_SECONDS = 60

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    params = connection.settings_dict
    return (
        f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    )


@pytest.fixture
def worker(tmp_path):
    """Start a worker on the test database and the Redis broker; stop it afterwards."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the worker test needs DATABASE_URL (PostgreSQL) and REDIS_URL")

    log_path = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "--pool", "solo",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"test-{os.getpid()}@%h"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: "ready" in log_path.read_text(), WORKER_START_SECONDS, log_path)
        yield log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(condition, seconds, log_path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds}s; worker log:\n{log_path.read_text()[-4000:]}")


def test_nightly_task_runs_on_a_worker(worker):
    yesterday = clock.local_today() - dt.timedelta(days=1)
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    completed = clock.cutoff(yesterday) - dt.timedelta(hours=6)
    for _ in range(10):
        order = factories.OrderFactory(
            service=service, status=Order.Status.COMPLETED,
            created_at=completed - dt.timedelta(days=2), completed_at=completed,
        )
        factories.ReviewFactory(order=order, rating=5, created_at=completed)
    factories.seller()

    evaluate_nightly.delay()

    def run_done():
        return EvaluationRun.objects.filter(evaluated_on=yesterday, status=EvaluationRun.Status.DONE).exists()

    _wait_for(run_done, TASK_SECONDS, worker)
    run = EvaluationRun.objects.get(evaluated_on=yesterday)
    assert run.sellers_evaluated == 2
    assert run.promoted == 1
    assert SellerProfile.objects.get(user=seller).level == 2
    assert LevelEvent.objects.filter(seller=seller, kind=LevelEvent.Kind.PROMOTED).count() == 1
    assert "levels.evaluate_nightly" in worker.read_text()

    # A second delivery of the task changes nothing.
    evaluate_nightly.delay()
    _wait_for(lambda: worker.read_text().count("Nightly evaluation finished") >= 2, TASK_SECONDS, worker)
    assert EvaluationRun.objects.count() == 1
    assert LevelEvent.objects.count() == 1
