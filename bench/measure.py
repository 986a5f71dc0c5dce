"""One measurement inside Django, run by bench/run.py in a fresh process.

Each subcommand works on the database of ``DATABASE_URL`` and prints one JSON
object on its last line of output::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_10k \\
        .venv/bin/python bench/measure.py evaluate --as-of 2025-12-31 --helpers 0

A fresh process per measurement keeps caches, connections and peak memory of
one measurement out of the next.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench import bare_sql, naive  # noqa: E402
from levels import evaluation, metrics, nightly  # noqa: E402
from levels.policy import current_policy  # noqa: E402
from marketplace import clock  # noqa: E402
from sellers.models import SellerProfile  # noqa: E402

# Returns the database to its state right after generation: no evaluation,
# every seller on level 1, no service paused by a demotion.
RESET_SQL = [
    "TRUNCATE levels_levelevent, levels_evaluationbatch, levels_evaluationrun, levels_sellermetrics",
    "UPDATE sellers_sellerprofile SET level = 1, level_since = NULL, qualifying_level = 1, "
    "grace_started_on = NULL, grace_ends_on = NULL, failing_criteria = '[]' "
    "WHERE level <> 1 OR qualifying_level <> 1 OR level_since IS NOT NULL OR grace_ends_on IS NOT NULL",
    "UPDATE services_service SET status = 'active', pause_reason = '', paused_at = NULL "
    "WHERE pause_reason IN ('price_above_level', 'over_level_cap')",
]

METRIC_COLUMNS = (
    "seller_id, evaluated_on, clients, rating_sum, rating_square_sum, rating_count, completed_count, "
    "cancelled_count, inquiry_count, decided_count, converted_count, unanswered_count, "
    "response_total_us, qualifying_level, score"
)
PROFILE_COLUMNS = "user_id, level, level_since, qualifying_level, grace_started_on, grace_ends_on, failing_criteria"
EVENT_COLUMNS = "seller_id, kind, evaluated_on, from_level, to_level, qualifying_level, grace_ends_on, metrics"


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process since it started, in MB.

    VmHWM belongs to the address space of this program. ru_maxrss would not
    do: Linux carries it across exec, so it would report the memory of the
    parent that forked this process (bench/run.py after generating 100k
    sellers uses gigabytes).
    """
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def reset(args) -> dict:
    with connection.cursor() as cursor:
        for statement in RESET_SQL:
            cursor.execute(statement)
        cursor.execute("VACUUM ANALYZE sellers_sellerprofile")
    return {"reset": True}


def evaluate(args) -> dict:
    breakdown = _timed_steps() if args.breakdown else contextlib.nullcontext({})
    with breakdown as step_seconds:
        started = time.perf_counter()
        run = nightly.evaluate_date(args.as_of, helper_tasks=args.helpers)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "max_rss_mb": peak_rss_mb(),
        "summary": run.summary(),
        "batches": run.batches.count(),
        "steps": {name: round(value, 3) for name, value in step_seconds.items()},
    }


@contextlib.contextmanager
def _timed_steps():
    """Add up the time spent in each step of the batch evaluation (this process only)."""
    steps = {
        "metric queries": (evaluation.metric_queries, "compute_metrics"),
        "active categories": (evaluation, "_active_categories"),
        "rules and rows (Python)": (evaluation, "_decide_batch"),
        "writes": (evaluation, "_write_batch"),
        "profile locks": (evaluation, "evaluate_batch"),
    }
    totals = dict.fromkeys(steps, 0.0)
    originals = {name: getattr(module, attribute) for name, (module, attribute) in steps.items()}

    def wrap(name, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - started
        return timed

    for name, (module, attribute) in steps.items():
        setattr(module, attribute, wrap(name, originals[name]))
    try:
        yield totals
    finally:
        for name, (module, attribute) in steps.items():
            setattr(module, attribute, originals[name])
        # evaluate_batch contains the other steps; what is left is locking
        # the profiles (the SELECT ... FOR UPDATE) and the loop around them.
        inner = sum(value for name, value in totals.items() if name != "profile locks")
        totals["profile locks"] = max(totals["profile locks"] - inner, 0.0)


def digest(args) -> dict:
    """Return checksums of the evaluation results, to compare two runs."""
    result = {}
    with connection.cursor() as cursor:
        for name, table, columns, key in (
            ("metrics", "levels_sellermetrics", METRIC_COLUMNS, "seller_id"),
            ("profiles", "sellers_sellerprofile", PROFILE_COLUMNS, "user_id"),
            ("events", "levels_levelevent", EVENT_COLUMNS, "seller_id, kind"),
        ):
            cursor.execute(
                f"SELECT count(*), md5(string_agg(row_text, '|' ORDER BY row_text)) "
                f"FROM (SELECT ({columns})::text AS row_text FROM {table}) rows"
            )
            count, checksum = cursor.fetchone()
            result[name] = {"rows": count, "md5": checksum}
        cursor.execute("SELECT level, count(*) FROM sellers_sellerprofile GROUP BY level ORDER BY level")
        result["levels"] = {str(level): count for level, count in cursor.fetchall()}
    return result


def _seller_range() -> tuple[int, int]:
    ids = SellerProfile.objects.order_by("user_id").values_list("user_id", flat=True)
    return ids.first(), ids.last()


def naive_vs_engine(args) -> dict:
    """Time the naive baseline and the engine's metric queries; assert they agree."""
    from tqdm import tqdm

    policy = current_policy()
    first, last = _seller_range()

    started = time.perf_counter()
    engine = metrics.compute_metrics(first, last, args.as_of, policy)
    engine_seconds = time.perf_counter() - started

    sellers = SellerProfile.objects.count()
    with tqdm(total=sellers, unit="seller", desc="naive", disable=not sys.stderr.isatty()) as bar:
        started = time.perf_counter()
        baseline = naive.all_seller_metrics(args.as_of, policy, progress=lambda: bar.update(1))
        naive_seconds = time.perf_counter() - started

    different = [
        seller_id for seller_id, values in baseline.items()
        if values != engine.get(seller_id, metrics.MetricValues())
    ]
    if different:
        raise AssertionError(f"naive and engine metrics differ for {len(different)} sellers, e.g. {different[:5]}")
    return {"naive_seconds": naive_seconds, "engine_metrics_seconds": engine_seconds, "sellers": sellers}


def _bare_sql_parameters(as_of: dt.date) -> dict:
    policy = current_policy()
    return bare_sql.parameters(
        clock.cutoff(as_of),
        {
            "rating_start": clock.window_start(as_of, policy.rating_window_days),
            "completion_start": clock.window_start(as_of, policy.completion_window_days),
            "contact_start": clock.window_start(as_of, policy.contact_window_days),
        },
        policy.conversion_window_days,
    )


def bare(args) -> dict:
    seconds = bare_sql.run_queries(os.environ["DATABASE_URL"], _bare_sql_parameters(args.as_of))
    return {"seconds": sum(seconds.values()), "queries": seconds}


def explain(args) -> dict:
    """EXPLAIN ANALYZE the bare queries and the engine's queries for one batch."""
    plans = {f"bare {name}": plan for name, plan in
             bare_sql.explain(os.environ["DATABASE_URL"], _bare_sql_parameters(args.as_of)).items()}

    policy = current_policy()
    ids = list(SellerProfile.objects.order_by("user_id").values_list("user_id", flat=True)[:evaluation.batch_size()])
    sellers = metrics.in_range((ids[0], ids[-1]))
    cutoff = clock.cutoff(args.as_of)
    for name in ("_clients", "_ratings", "_completions", "_inquiry_rows"):
        queryset = getattr(metrics, name)(sellers, args.as_of, cutoff, policy)
        plans[f"engine {name.strip('_')} (one batch)"] = queryset.explain(analyze=True, buffers=True)
    return {"plans": plans}


def main():
    parser = argparse.ArgumentParser(description="One benchmark measurement on DATABASE_URL.")
    parser.add_argument("command", choices=["reset", "evaluate", "digest", "naive", "bare", "explain"])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="Evaluation date, YYYY-MM-DD.")
    parser.add_argument("--helpers", type=int, default=0, help="Celery helper tasks to queue.")
    parser.add_argument("--breakdown", action="store_true", help="Time each step of the batch evaluation.")
    args = parser.parse_args()

    command = {
        "reset": reset, "evaluate": evaluate, "digest": digest, "naive": naive_vs_engine,
        "bare": bare, "explain": explain,
    }[args.command]
    print(json.dumps(command(args), default=str))


if __name__ == "__main__":
    main()
