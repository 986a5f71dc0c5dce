"""Figure d, second half: rows per second of ``manage.py import_marketplace``.

Two inputs: the Olist sample in $SHARED_DIR/data/olist-sample (read in place,
never copied), and a generated history in the CSV format of the import,
written by this module under bench/results/ (not committed). Each import runs
on a freshly created and migrated database.
"""

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench import generate

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared"))
OLIST_DIR = SHARED_DIR / "data" / "olist-sample"
# Rows per seller in generated history, all six files together (about 102).
ROWS_PER_SELLER = 102


def _ids(prefix: str, cells: list[str]) -> list[str]:
    return [f"{prefix}{cell}" if cell else "" for cell in cells]


def _stamps(cells: list[str]) -> list[str]:
    return [f"{cell}Z" if cell else "" for cell in cells]


def _unquote(cells: list[str]) -> list[str]:
    return [cell.strip('"') for cell in cells]


def import_files(params: generate.Params):
    """Yield (file name, columns) of the generated history in the import format."""
    tables = dict(generate.build(params, np.random.default_rng(params.seed)))
    users = tables["accounts_user"]
    is_seller = ["1" if int(user_id) <= params.sellers else "0" for user_id in users["id"]]
    yield "users.csv", {
        "id": _ids("u", users["id"]), "username": users["username"], "display_name": users["display_name"],
        "is_seller": is_seller, "joined_at": _stamps(users["date_joined"]),
    }

    slugs = [slug for slug, _, _ in generate.CATEGORIES]
    services = tables["services_service"]
    yield "services.csv", {
        "id": _ids("s", services["id"]), "seller_id": _ids("u", services["seller_id"]),
        "title": services["title"], "category": [slugs[int(index) - 1] for index in services["category_id"]],
        "price": services["price"],
        # The import accepts active and paused services only.
        "status": ["active" if status == '"active"' else "paused" for status in services["status"]],
        "created_at": _stamps(services["created_at"]),
    }

    orders = tables["orders_order"]
    yield "orders.csv", {
        "id": _ids("o", orders["id"]), "service_id": _ids("s", orders["service_id"]),
        "buyer_id": _ids("u", orders["buyer_id"]), "price": orders["price"], "status": _unquote(orders["status"]),
        "created_at": _stamps(orders["created_at"]), "completed_at": _stamps(orders["completed_at"]),
        "cancelled_at": _stamps(orders["cancelled_at"]),
    }

    reviews = tables["orders_review"]
    yield "reviews.csv", {
        "id": _ids("r", reviews["id"]), "order_id": _ids("o", reviews["order_id"]), "rating": reviews["rating"],
        "comment": _unquote(reviews["comment"]), "created_at": _stamps(reviews["created_at"]),
    }

    conversations = tables["conversations_conversation"]
    yield "conversations.csv", {
        "id": _ids("c", conversations["id"]), "seller_id": _ids("u", conversations["seller_id"]),
        "buyer_id": _ids("u", conversations["buyer_id"]), "started_at": _stamps(conversations["started_at"]),
    }

    messages = tables["conversations_message"]
    yield "messages.csv", {
        "id": _ids("m", messages["id"]), "conversation_id": _ids("c", messages["conversation_id"]),
        "sender": _unquote(messages["sender"]), "sent_at": _stamps(messages["sent_at"]), "body": messages["body"],
    }


def write_history(directory: Path, params: generate.Params) -> int:
    """Write the generated history as CSV files; return the number of data rows."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = 0
    for name, columns in import_files(params):
        cells = list(columns.values())
        with open(directory / name, "w", encoding="utf-8") as output:
            output.write(",".join(columns) + "\n")
            for row in zip(*cells):
                output.write(",".join(row) + "\n")
        rows += len(cells[0])
    return rows


def count_rows(directory: Path) -> int:
    rows = 0
    for path in directory.glob("*.csv"):
        with open(path, encoding="utf-8") as csv_file:
            rows += sum(1 for _ in csv_file) - 1
    return rows


def time_import(directory: Path, database: str, server_url: str, env: dict, log_path: Path) -> dict:
    generate.create_database(database, server_url)
    started = time.perf_counter()
    with open(log_path, "w") as log:
        completed = subprocess.run(
            [sys.executable, "manage.py", "import_marketplace", str(directory)],
            cwd=BASE_DIR, env={**env, "DATABASE_URL": generate.database_url(database, server_url)},
            stdout=log, stderr=subprocess.STDOUT,
        )
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "exit_code": completed.returncode, "log": str(log_path.relative_to(BASE_DIR))}


def _importer_state() -> str:
    tracked = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", "--", "levels/importing"], cwd=BASE_DIR,
        capture_output=True, text=True,
    ).stdout.strip()
    return tracked or "not committed yet (measured from the working tree)"


def measure(args, bench) -> dict:
    if not (BASE_DIR / "levels" / "management" / "commands" / "import_marketplace.py").exists():
        return {"missing": "import_marketplace does not exist yet"}

    results = {"importer": _importer_state()}
    sources = []
    if OLIST_DIR.exists():
        sources.append(("olist sample", OLIST_DIR, count_rows(OLIST_DIR), args.repeats))
    else:
        results["olist sample"] = {"missing": f"{OLIST_DIR} not found; set SHARED_DIR"}

    history_dir = BASE_DIR / "bench" / "results" / "import-history"
    sellers = max(args.import_rows // ROWS_PER_SELLER, 1)
    history_rows = write_history(history_dir, generate.Params(sellers=sellers, end=args.as_of, seed=args.seed))
    # The generated history takes minutes per import, so it runs once.
    sources.append(("generated history", history_dir, history_rows, 1))

    for name, directory, rows, repeats in sources:
        runs = [
            time_import(directory, "bench_import", args.server_url, bench.env("bench_import"),
                        bench.log_dir / f"import-{name.replace(' ', '-')}-{attempt}.log")
            for attempt in range(repeats)
        ]
        seconds = [run["seconds"] for run in runs]
        results[name] = {
            "rows": rows,
            "runs": runs,
            "seconds": {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)},
            "rows_per_second": rows / statistics.median(seconds),
            "exit_codes": sorted({run["exit_code"] for run in runs}),
        }
    results["measured_on"] = dt.date.today().isoformat()
    return results
