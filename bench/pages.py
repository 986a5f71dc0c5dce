"""Figure e: pages under load, with wrk against gunicorn on 127.0.0.1.

gunicorn serves the benchmark database with DEBUG off. wrk keeps 8
connections busy for a bounded time, and a small Lua hook prints the latency
percentiles as JSON. Pages that return 404 are recorded as missing rather
than measured.
"""

import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CONCURRENCY = 8
# Sync workers: one request each. Two per core keeps both cores busy while
# a worker waits on PostgreSQL.
GUNICORN_WORKERS = 4
START_SECONDS = 30

# (name, path, signed in as a seller). The dashboard belongs to the signed-in
# seller, so wrk sends that seller's session cookie.
PAGES = [
    ("listing", "/", False),
    ("listing, page 40", "/?page=40", False),
    ("service", "/services/1/", False),
    ("seller dashboard", "/me/level/", True),
]

# Prints a session cookie of the level-2 seller with the most services.
SESSION_SNIPPET = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from sellers.models import SellerProfile
profile = SellerProfile.objects.filter(level=2).select_related("user").order_by("user_id").first()
session = SessionStore()
session[SESSION_KEY] = str(profile.user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = profile.user.get_session_auth_hash()
session.create()
print(session.session_key)
"""

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors": %d, "non_2xx": %d, '
    .. '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seller_cookie(env: dict) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SESSION_SNIPPET],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )
    return f"sessionid={completed.stdout.strip().splitlines()[-1]}"


def _status(url: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR, env=env, check=True,
    )
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "marketplace.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(GUNICORN_WORKERS), "--access-logfile", "-"],
        cwd=BASE_DIR, env={**env, "DEBUG": "False"}, stdout=subprocess.DEVNULL, stderr=log,
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"gunicorn failed to start; see {log_path}")
            time.sleep(0.2)


def _wrk(url: str, seconds: int, script: Path, cookie: str = "") -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    completed = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONCURRENCY), "-d", f"{seconds}s", "--timeout", "10s", *headers,
         "-s", str(script), url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["requests_per_second"] = result["requests"] / result["seconds"]
    return result


def measure(env: dict, *, repeats: int, seconds: int, log_dir: Path, on_step=None) -> dict:
    """Load each page ``repeats`` times for ``seconds``; return medians and spreads."""
    script = log_dir / "percentiles.lua"
    script.write_text(WRK_SCRIPT)
    port = _free_port()
    server = _start_gunicorn(env, port, log_dir / "gunicorn.log")
    results = {"concurrency": CONCURRENCY, "gunicorn_workers": GUNICORN_WORKERS, "seconds": seconds, "pages": {}}
    cookie = _seller_cookie(env)
    try:
        for name, path, signed_in in PAGES:
            url = f"http://127.0.0.1:{port}{path}"
            page_cookie = cookie if signed_in else ""
            status = _status(url, page_cookie)
            if status != 200:
                results["pages"][name] = {"path": path, "status": status}
                if on_step is not None:
                    for _ in range(repeats):
                        on_step()
                continue

            runs = []
            for _ in range(repeats):
                runs.append(_wrk(url, seconds, script, page_cookie))
                if on_step is not None:
                    on_step()
            results["pages"][name] = {"path": path, "status": status, "runs": runs, **{
                key: {
                    "median": statistics.median(run[key] for run in runs),
                    "min": min(run[key] for run in runs),
                    "max": max(run[key] for run in runs),
                }
                for key in ("requests_per_second", "p50_ms", "p95_ms")
            }}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results
