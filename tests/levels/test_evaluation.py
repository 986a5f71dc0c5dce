"""The evaluation of a date: batches, idempotence, crashes, catch-up, the lock and pausing."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from levels import evaluation, nightly
from levels.evaluation import EvaluationOrderError
from levels.models import EvaluationBatch, EvaluationRun, LevelEvent, SellerMetrics
from levels.policy import current_policy
from levels.tasks import evaluate_nightly
from marketplace.locks import expiring_lock
from orders.models import Order
from sellers.models import SellerProfile
from services.models import Service
from tests import factories

pytestmark = pytest.mark.django_db

RIYADH = ZoneInfo("Asia/Riyadh")
D = dt.date(2025, 6, 30)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=RIYADH)


def make_level_2_seller(*, completed_on: dt.date = D, clients: int = 10):
    """Create a seller whose history meets every level-2 criterion on ``completed_on``."""
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    for _ in range(clients):
        order = factories.OrderFactory(
            service=service, status=Order.Status.COMPLETED,
            created_at=noon(completed_on) - dt.timedelta(days=3), completed_at=noon(completed_on),
        )
        factories.ReviewFactory(order=order, rating=5, created_at=noon(completed_on))
    return seller


def profile(seller) -> SellerProfile:
    return SellerProfile.objects.get(user=seller)


def test_promotion_writes_profile_metrics_and_event():
    seller = make_level_2_seller()
    run = nightly.evaluate_date(D)

    assert run.status == EvaluationRun.Status.DONE
    assert run.promoted == 1
    assert profile(seller).level == 2
    assert profile(seller).level_since == D
    assert SellerMetrics.objects.get(seller=seller).clients == 10
    event = LevelEvent.objects.get(seller=seller)
    assert event.kind == LevelEvent.Kind.PROMOTED
    assert event.metrics["clients"] == 10
    assert event.thresholds["clients"] == 10
    assert event.policy_id == run.policy_id
    assert event.actor is None


def test_same_date_twice_changes_nothing():
    make_level_2_seller()
    factories.seller()
    nightly.evaluate_date(D)
    before = list(SellerProfile.objects.order_by("pk").values())

    again = nightly.evaluate_date(D)
    reevaluated = nightly.evaluate_date(D, reevaluate=True)

    assert again.status == reevaluated.status == EvaluationRun.Status.DONE
    assert EvaluationRun.objects.count() == 1
    assert LevelEvent.objects.count() == 1
    assert reevaluated.promoted == 0
    assert list(SellerProfile.objects.order_by("pk").values()) == before


def test_earlier_date_is_rejected():
    factories.seller()
    nightly.evaluate_date(D)

    with pytest.raises(EvaluationOrderError, match="move forward"):
        nightly.evaluate_date(D - dt.timedelta(days=1))


def test_batch_query_count_is_fixed(settings, django_assert_max_num_queries):
    """A batch of 3 and a batch of 30 sellers cost the same number of queries."""
    settings.LEVELS_BATCH_SIZE = 1000
    counts = []
    for day, size in ((D, 3), (D + dt.timedelta(days=1), 30)):
        SellerProfile.objects.all().delete()
        for _ in range(size):
            make_level_2_seller(completed_on=day)
        run = evaluation.open_run(day, current_policy(), reevaluate=False)
        with django_assert_max_num_queries(50) as captured:
            evaluation.drain(run, current_policy())
        counts.append(len(captured))
        evaluation.close_run(run)
        assert run.promoted == size

    assert counts[0] == counts[1]


def test_crash_keeps_finished_batches_and_rerun_completes(settings, monkeypatch):
    settings.LEVELS_BATCH_SIZE = 2
    sellers = [make_level_2_seller() for _ in range(6)]
    original = evaluation.evaluate_batch
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return original(*args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        nightly.evaluate_date(D)

    run = EvaluationRun.objects.get(evaluated_on=D)
    assert run.status == EvaluationRun.Status.FAILED
    assert "worker lost" in run.error
    assert run.batches.filter(status=EvaluationBatch.Status.DONE).count() == 1
    assert LevelEvent.objects.count() == 2

    monkeypatch.setattr(evaluation, "evaluate_batch", original)
    run = nightly.evaluate_date(D)

    assert run.status == EvaluationRun.Status.DONE
    assert run.sellers_evaluated == 6
    assert run.promoted == 6
    assert LevelEvent.objects.count() == 6
    assert all(profile(seller).level == 2 for seller in sellers)


def test_unfinished_run_blocks_later_dates(settings, monkeypatch):
    settings.LEVELS_BATCH_SIZE = 1
    factories.seller()
    factories.seller()
    monkeypatch.setattr(evaluation, "evaluate_batch", lambda *a, **k: (_ for _ in ()).throw(RuntimeError))
    with pytest.raises(RuntimeError):
        nightly.evaluate_date(D)

    with pytest.raises(EvaluationOrderError, match="unfinished"):
        nightly.evaluate_date(D + dt.timedelta(days=1))


def test_nightly_catches_up_missed_dates_in_order():
    factories.seller()
    nightly.evaluate_date(D)

    with time_machine.travel(dt.datetime(2025, 7, 4, 3, 0, tzinfo=RIYADH), tick=False):
        evaluated = evaluate_nightly.apply().get()

    assert evaluated == ["2025-07-01", "2025-07-02", "2025-07-03"]
    assert list(EvaluationRun.objects.order_by("evaluated_on").values_list("evaluated_on", flat=True)) == [
        D, dt.date(2025, 7, 1), dt.date(2025, 7, 2), dt.date(2025, 7, 3),
    ]


def test_nightly_on_fresh_install_evaluates_yesterday_only():
    factories.seller()

    with time_machine.travel(dt.datetime(2025, 7, 4, 0, 30, tzinfo=RIYADH), tick=False):
        evaluated = evaluate_nightly.apply().get()

    assert evaluated == ["2025-07-03"]


def test_nightly_resumes_an_unfinished_run_first(settings, monkeypatch):
    settings.LEVELS_BATCH_SIZE = 1
    factories.seller()
    factories.seller()
    nightly.evaluate_date(D)
    original = evaluation.evaluate_batch
    monkeypatch.setattr(evaluation, "evaluate_batch", lambda *a, **k: (_ for _ in ()).throw(RuntimeError))
    with pytest.raises(RuntimeError):
        nightly.evaluate_date(D + dt.timedelta(days=1))
    monkeypatch.setattr(evaluation, "evaluate_batch", original)

    with time_machine.travel(dt.datetime(2025, 7, 3, 3, 0, tzinfo=RIYADH), tick=False):
        evaluated = evaluate_nightly.apply().get()

    assert evaluated == ["2025-07-01", "2025-07-02"]
    assert not EvaluationRun.objects.exclude(status=EvaluationRun.Status.DONE).exists()


def test_nightly_skips_while_another_holds_the_lock():
    factories.seller()

    with expiring_lock("levels-nightly", timeout=60) as acquired:
        assert acquired
        with time_machine.travel(dt.datetime(2025, 7, 4, 3, 0, tzinfo=RIYADH), tick=False):
            evaluated = evaluate_nightly.apply().get()

    assert evaluated == []
    assert not EvaluationRun.objects.exists()


def test_lock_is_released_and_expires():
    with expiring_lock("levels-test", timeout=60) as first:
        with expiring_lock("levels-test", timeout=60) as second:
            assert first
            assert not second
    with expiring_lock("levels-test", timeout=60) as after_release:
        assert after_release


def test_grace_then_demotion_pauses_services_over_caps():
    seller = factories.seller(level=2, grace_started_on=D - dt.timedelta(days=180), grace_ends_on=D)
    expensive = factories.ServiceFactory(seller=seller, price=Decimal("50.01"))
    cheap = [factories.ServiceFactory(seller=seller, price=Decimal("50.00")) for _ in range(7)]
    busy = cheap[0]
    factories.OrderFactory(
        service=busy, status=Order.Status.COMPLETED,
        created_at=noon(D) - dt.timedelta(days=5), completed_at=noon(D) - dt.timedelta(days=4),
    )

    run = nightly.evaluate_date(D)

    assert run.demoted == 1
    assert profile(seller).level == 1
    expensive.refresh_from_db()
    assert expensive.status == Service.Status.PAUSED
    assert expensive.pause_reason == Service.PauseReason.PRICE_ABOVE_LEVEL
    active = Service.objects.filter(seller=seller, status=Service.Status.ACTIVE)
    assert active.count() == 5
    assert busy in active
    # Ties on completed orders keep the newest services.
    assert set(active) == {busy, *cheap[-4:]}
    event = LevelEvent.objects.get(seller=seller, kind=LevelEvent.Kind.DEMOTED)
    assert len(event.details["paused_services"]) == 3


def test_grace_start_records_failing_criteria():
    seller = factories.seller(level=2)

    run = nightly.evaluate_date(D)

    assert run.grace_started == 1
    state = profile(seller)
    assert state.level == 2
    assert state.grace_ends_on == D + dt.timedelta(days=180)
    assert state.failing_criteria == ["clients", "rating", "completion_rate"]


def test_staff_reevaluation_applies_an_exclusion():
    staff = factories.UserFactory(is_staff=True)
    seller = make_level_2_seller()
    other = factories.seller()
    bad = factories.OrderFactory(
        service=factories.ServiceFactory(seller=seller), status=Order.Status.CANCELLED,
        created_at=noon(D) - dt.timedelta(days=3), cancelled_at=noon(D),
    )
    for _ in range(2):
        factories.OrderFactory(
            service=bad.service, status=Order.Status.CANCELLED,
            created_at=noon(D) - dt.timedelta(days=3), cancelled_at=noon(D),
        )
    nightly.evaluate_date(D)
    assert profile(seller).level == 1

    Order.objects.filter(status=Order.Status.CANCELLED).update(excluded=True, excluded_reason="buyer fraud")
    counts = evaluation.evaluate_sellers([seller.pk, other.pk], actor=staff, reason="fraud cleared")

    assert counts.promoted == 1
    assert counts.sellers_evaluated == 2
    assert profile(seller).level == 2
    event = LevelEvent.objects.get(seller=seller)
    assert event.actor == staff
    assert event.reason == "fraud cleared"
    assert event.evaluated_on == D


def test_evaluation_refreshes_service_rank_keys():
    seller = make_level_2_seller()
    service = Service.objects.get(seller=seller)
    assert service.rank_level == 1

    nightly.evaluate_date(D)

    service.refresh_from_db()
    assert service.rank_level == 2
    assert service.rank_score == SellerMetrics.objects.get(seller=seller).score
    assert service.rank_score > 0
