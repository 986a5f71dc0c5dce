"""Import, replay and export over whole histories: the worked example and real Olist data."""

import csv
import io
import json
import time

import pytest
from django.core.management import call_command

from levels.models import EvaluationRun, SellerMetrics
from sellers.models import SellerProfile

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_replay_example_matches_expected_export(replay_basic_dir, settings):
    settings.TIME_ZONE = "Asia/Riyadh"
    run_command("import_marketplace", str(replay_basic_dir))

    summary = run_command("recompute_levels", "--from", "2025-07-01", "--to", "2026-02-26")
    exported = json.loads(run_command("export_levels"))

    expected = json.loads((replay_basic_dir / "expected.json").read_text())
    assert [entry["seller"] for entry in exported] == [entry["seller"] for entry in expected]
    for got, want in zip(exported, expected, strict=True):
        assert got == want, got["seller"]
    assert summary.count("sellers evaluated") == 241


def test_export_as_of_an_earlier_date(replay_basic_dir):
    run_command("import_marketplace", str(replay_basic_dir))
    run_command("recompute_levels", "--from", "2025-07-01", "--to", "2025-12-31")
    at_end = json.loads(run_command("export_levels"))
    run_command("recompute_levels", "--from", "2026-01-01", "--to", "2026-01-10")

    rebuilt = json.loads(run_command("export_levels", "--as-of", "2025-12-31"))

    assert rebuilt == at_end


def test_export_rejects_unevaluated_date(replay_basic_dir):
    from django.core.management.base import CommandError

    run_command("import_marketplace", str(replay_basic_dir))
    run_command("recompute_levels", "--as-of", "2025-07-01")

    with pytest.raises(CommandError, match="no finished evaluation"):
        run_command("export_levels", "--as-of", "2025-06-01")


@pytest.mark.slow
def test_olist_sample_replays_every_seller(olist_dir, capsys):
    run_command("import_marketplace", str(olist_dir))
    with open(olist_dir / "users.csv", encoding="utf-8") as handle:
        sellers = sum(1 for row in csv.DictReader(handle) if row["is_seller"] == "1")

    started = time.monotonic()
    run_command("recompute_levels", "--from", "2018-01-01", "--to", "2018-09-30")
    elapsed = time.monotonic() - started

    runs = EvaluationRun.objects.filter(status=EvaluationRun.Status.DONE)
    assert runs.count() == 273
    assert set(runs.values_list("sellers_evaluated", flat=True)) == {sellers}
    assert SellerMetrics.objects.filter(evaluated_on="2018-09-30").count() == sellers
    distribution = {
        level: SellerProfile.objects.filter(level=level).count() for level in (1, 2, 3)
    }
    assert sum(distribution.values()) == sellers
    with capsys.disabled():
        print(f"\nOlist replay: 273 nights in {elapsed:.1f}s, levels {distribution}")
