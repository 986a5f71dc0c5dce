"""Run the benchmarks and regenerate BENCHMARKS.md.

    .venv/bin/python bench/run.py --sizes 10k,30k,100k

For each size this generates the database ``bench_<size>`` when it is missing
(see bench/generate.py), then measures the figures chosen with ``--figures``.
Raw results go to bench/results/, which is not committed. Results of earlier
runs of other sizes are kept, so sizes can be measured one command at a time.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tqdm import tqdm

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import generate, pages, report  # noqa: E402
from bench import importing as import_bench  # noqa: E402

RESULTS_DIR = BASE_DIR / "bench" / "results"
LATEST = RESULTS_DIR / "latest.json"
PYTHON = sys.executable
# A Redis database of its own, so that no other worker on this Redis (for
# example one started by the test suite on database 15) takes the helper tasks.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
WORKER_START_SECONDS = 60
FIGURES = ("eval", "bare", "naive", "replay", "import", "pages", "explain")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def spread(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


class Bench:
    def __init__(self, args):
        self.args = args
        self.redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
        self.log_dir = RESULTS_DIR / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # Subprocesses

    def env(self, database: str) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": generate.database_url(database, self.args.server_url),
            "REDIS_URL": self.redis_url,
            "LOG_LEVEL": "WARNING",
        }

    def measure(self, database: str, *arguments: str) -> dict:
        """Run bench/measure.py in a fresh process and return its JSON result."""
        completed = subprocess.run(
            [PYTHON, "bench/measure.py", *arguments], cwd=BASE_DIR, env=self.env(database),
            stdout=subprocess.PIPE, text=True, check=True,
        )
        return json.loads(completed.stdout.strip().splitlines()[-1])

    def start_worker(self, database: str) -> tuple[subprocess.Popen, Path]:
        import redis

        # Tasks left over from an interrupted run would evaluate against
        # runs that no longer exist; this Redis database is the benchmark's own.
        redis.Redis.from_url(self.redis_url).flushdb()
        log_path = self.log_dir / f"worker-{database}.log"
        log = open(log_path, "w")
        process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "marketplace", "worker", "--pool", "solo", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--loglevel", "INFO", "-n", f"bench-{os.getpid()}@%h"],
            cwd=BASE_DIR, env={**self.env(database), "LOG_LEVEL": "INFO"}, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WORKER_START_SECONDS
        while "ready" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"Celery worker failed to start; see {log_path}")
            time.sleep(0.2)
        return process, log_path

    @staticmethod
    def stop_worker(process: subprocess.Popen) -> float:
        """Stop the worker and return its peak resident memory in MB."""
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        process.terminate()
        process.wait(timeout=60)
        return peak_kb / 1024

    # Figures of one size

    def evaluation(self, database: str, as_of: str, bar) -> dict:
        """Figures a and f: evaluate with 1 and 2 workers, compare their results."""
        repeats = self.args.repeats
        one_worker_runs = []
        for _ in range(repeats):
            self.measure(database, "reset")
            one_worker_runs.append(self.measure(database, "evaluate", "--as-of", as_of))
            bar.update(1)
        digest_one = self.measure(database, "digest")
        self.measure(database, "reset")
        breakdown = self.measure(database, "evaluate", "--as-of", as_of, "--breakdown")

        worker, _ = self.start_worker(database)
        two = []
        try:
            for _ in range(repeats):
                self.measure(database, "reset")
                two.append(self.measure(database, "evaluate", "--as-of", as_of, "--helpers", "1"))
                bar.update(1)
        finally:
            worker_peak_mb = self.stop_worker(worker)
        digest_two = self.measure(database, "digest")

        return {
            "one_worker": spread([result["seconds"] for result in one_worker_runs]),
            "two_workers": spread([result["seconds"] for result in two]),
            "summary": one_worker_runs[-1]["summary"],
            "batches": one_worker_runs[-1]["batches"],
            "steps": breakdown["steps"],
            "peak_rss_mb": {
                "one_worker": max(result["max_rss_mb"] for result in one_worker_runs),
                "two_workers_main": max(result["max_rss_mb"] for result in two),
                "two_workers_celery": worker_peak_mb,
            },
            "identical": digest_one == digest_two,
            "digest": digest_one,
            "digest_two_workers": digest_two,
        }

    def bare(self, database: str, as_of: str, bar) -> dict:
        samples = []
        for _ in range(self.args.repeats):
            samples.append(self.measure(database, "bare", "--as-of", as_of))
            bar.update(1)
        return {
            "total": spread([sample["seconds"] for sample in samples]),
            "queries": {name: statistics.median(sample["queries"][name] for sample in samples)
                        for name in samples[0]["queries"]},
        }

    def naive(self, database: str, as_of: str, bar) -> dict:
        samples = []
        for _ in range(self.args.naive_repeats):
            samples.append(self.measure(database, "naive", "--as-of", as_of))
            bar.update(1)
        return {
            "naive": spread([sample["naive_seconds"] for sample in samples]),
            "engine_metric_queries": spread([sample["engine_metrics_seconds"] for sample in samples]),
            "sellers": samples[0]["sellers"],
        }

    def replay(self, database: str, as_of: str, bar) -> dict:
        """Figure d: a 30-night replay with recompute_levels, from a fresh state."""
        last = dt.date.fromisoformat(as_of)
        first = last - dt.timedelta(days=self.args.replay_nights - 1)
        samples = []
        for _ in range(self.args.replay_repeats):
            self.measure(database, "reset")
            started = time.perf_counter()
            subprocess.run(
                [PYTHON, "manage.py", "recompute_levels", "--from", first.isoformat(), "--to", last.isoformat()],
                cwd=BASE_DIR, env=self.env(database), check=True, stdout=subprocess.DEVNULL,
            )
            samples.append(time.perf_counter() - started)
            bar.update(1)
        return {"nights": self.args.replay_nights, "first": first.isoformat(), "last": last.isoformat(),
                "seconds": spread(samples)}

    def explain(self, database: str, as_of: str, bar) -> dict:
        plans = self.measure(database, "explain", "--as-of", as_of)["plans"]
        (RESULTS_DIR / f"explain-{database}.txt").write_text(
            "\n\n".join(f"== {name}\n{plan}" for name, plan in plans.items())
        )
        bar.update(1)
        return {"file": f"bench/results/explain-{database}.txt"}

    def size(self, sellers: int) -> dict:
        label = generate.size_label(sellers)
        database = f"bench_{label}"
        as_of = self.args.as_of.isoformat()
        result = {"sellers": sellers, "database": database, "as_of": as_of,
                  "load_average_before": os.getloadavg()}

        expected = {"sellers": sellers, "end": self.args.as_of, "seed": self.args.seed}
        if self.args.regenerate or generate.generation_of(database, self.args.server_url) != expected:
            result["generation"] = generate.generate(
                database, generate.Params(sellers=sellers, end=self.args.as_of, seed=self.args.seed),
                self.args.server_url, show_progress=sys.stderr.isatty(),
            )
        result["rows"] = _row_counts(database, self.args.server_url)

        figures = self.args.figures
        steps = {
            "eval": 2 * self.args.repeats,
            "bare": self.args.repeats,
            "naive": self.args.naive_repeats if sellers in self.args.naive_sizes else 0,
            "replay": self.args.replay_repeats if sellers in self.args.replay_sizes else 0,
            "pages": len(pages.PAGES) * self.args.repeats,
            "explain": 1,
        }
        total = sum(count for figure, count in steps.items() if figure in figures)
        with tqdm(total=total, desc=database, unit="step", disable=not sys.stderr.isatty()) as bar:
            for figure, method in (("eval", self.evaluation), ("bare", self.bare), ("naive", self.naive),
                                   ("replay", self.replay), ("explain", self.explain)):
                if figure in figures and steps[figure]:
                    result[figure] = method(database, as_of, bar)
            if "pages" in figures:
                result["pages"] = pages.measure(
                    self.env(database), repeats=self.args.repeats, seconds=self.args.page_seconds,
                    log_dir=self.log_dir, on_step=lambda: bar.update(1),
                )
        result["load_average_after"] = os.getloadavg()
        return result


def _row_counts(database: str, server_url: str) -> dict:
    import psycopg

    tables = ["accounts_user", "sellers_sellerprofile", "services_service", "orders_order", "orders_review",
              "conversations_conversation", "conversations_message"]
    with psycopg.connect(generate.database_url(database, server_url)) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def load_latest() -> dict:
    return json.loads(LATEST.read_text()) if LATEST.exists() else {"sizes": {}}


def save(results: dict) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(results, indent=2, default=str)
    (RESULTS_DIR / f"run-{stamp}.json").write_text(text)
    LATEST.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the benchmarks and regenerate BENCHMARKS.md.")
    parser.add_argument("--sizes", default="10k", help="Comma-separated numbers of sellers (default 10k).")
    parser.add_argument("--figures", default=",".join(f for f in FIGURES if f != "import"),
                        help=f"Comma-separated figures among {', '.join(FIGURES)}.")
    parser.add_argument("--repeats", type=int, default=3, help="Runs per measurement (default 3).")
    parser.add_argument("--naive-repeats", type=int, default=3, help="Runs of the naive baseline (default 3).")
    parser.add_argument("--naive-sizes", default="10k", help="Sizes that run the naive baseline (default 10k).")
    parser.add_argument("--replay-sizes", default="10k", help="Sizes that run the 30-night replay (default 10k).")
    parser.add_argument("--replay-nights", type=int, default=30, help="Nights of the replay (default 30).")
    parser.add_argument("--replay-repeats", type=int, default=1, help="Runs of the replay (default 1).")
    parser.add_argument("--page-seconds", type=int, default=15, help="Duration of each wrk run in seconds.")
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="Rows of the generated import history.")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31),
                        help="Evaluation date and last day of the generated history.")
    parser.add_argument("--seed", type=int, default=20250101, help="Generator seed.")
    parser.add_argument("--regenerate", action="store_true", help="Regenerate databases that already exist.")
    parser.add_argument("--server-url", default=os.environ.get("BENCH_SERVER_URL", generate.DEFAULT_SERVER_URL),
                        help="PostgreSQL server URL without a database name.")
    parser.add_argument("--report-only", action="store_true", help="Only regenerate BENCHMARKS.md from results.")
    args = parser.parse_args(argv)
    args.figures = set(args.figures.split(","))
    args.naive_sizes = {parse_size(size) for size in args.naive_sizes.split(",")}
    args.replay_sizes = {parse_size(size) for size in args.replay_sizes.split(",")}

    results = load_latest()
    if not args.report_only:
        bench = Bench(args)
        for sellers in (parse_size(size) for size in args.sizes.split(",")):
            label = generate.size_label(sellers)
            previous = results["sizes"].get(label, {})
            measured = bench.size(sellers)
            results["sizes"][label] = {**previous, **measured}
            save(results)
            print(report.size_summary(label, results["sizes"][label]))
        if "import" in args.figures:
            results["import"] = import_bench.measure(args, bench)
            save(results)
            print(report.import_summary(results["import"]))

    report.write(results)
    print(f"Wrote {report.BENCHMARKS.relative_to(BASE_DIR)} and {report.PLOT.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
