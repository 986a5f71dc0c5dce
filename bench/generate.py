"""Fill a PostgreSQL database with a generated marketplace, fast, through COPY.

Usage::

    .venv/bin/python bench/generate.py --sellers 10000 [--database bench_10k] [--end 2025-12-31]

The database is dropped, created and migrated with ``manage.py migrate``, then
every table is loaded with ``COPY ... FROM STDIN`` from columns built with
numpy. Per seller there are on average 20 orders (about 15 reviews), 20
inquiries with about 2 messages each, 3 services and 3 buyers, spread over the
two years that end on ``--end``. The same seed gives the same rows.

``fill()`` is also called by the smoke test on the test database.
"""

import argparse
import dataclasses
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"

# Proportions per seller, chosen so 100,000 sellers give about 2M orders,
# 1.5M reviews, 2M inquiries and 4M messages.
ORDERS_PER_SELLER = 20
INQUIRIES_PER_SELLER = 20
BUYERS_PER_SELLER = 3
MAX_SERVICES_PER_SELLER = 5
HISTORY_DAYS = 730
# Share of orders that an inquiry by the same buyer preceded.
PRECEDED_BY_INQUIRY = 0.4
# Share of completed orders that the buyer reviews.
REVIEWED = 0.88
# Share of orders, reviews and inquiries that staff excluded from the metrics.
EXCLUDED = 0.003

# Rows per COPY chunk: bounds the memory of the text built for one write.
CHUNK_ROWS = 200_000

CATEGORIES = [
    ("design", "تصميم", "Design"),
    ("logo-design", "تصميم شعارات", "Logo design"),
    ("translation", "ترجمة", "Translation"),
    ("writing", "كتابة المحتوى", "Content writing"),
    ("proofreading", "تدقيق لغوي", "Proofreading"),
    ("web-development", "تطوير مواقع", "Web development"),
    ("mobile-apps", "تطبيقات الجوال", "Mobile apps"),
    ("marketing", "تسويق إلكتروني", "Online marketing"),
    ("seo", "تحسين محركات البحث", "Search engine optimisation"),
    ("video", "مونتاج فيديو", "Video editing"),
    ("voice-over", "تعليق صوتي", "Voice-over"),
    ("data-entry", "إدخال بيانات", "Data entry"),
    ("consulting", "استشارات", "Consulting"),
    ("photography", "تصوير", "Photography"),
    ("teaching", "تعليم عن بعد", "Online teaching"),
    ("engineering", "هندسة وعمارة", "Engineering and architecture"),
]
MESSAGE_BODIES = {
    "buyer": ["مرحبا، هل يمكنك تنفيذ هذا العمل؟", "كم يستغرق التسليم؟", "شكرا لك"],
    "seller": ["أهلا بك، نعم يمكنني ذلك", "التسليم خلال ثلاثة أيام", "بكل سرور"],
}


@dataclasses.dataclass(frozen=True)
class Params:
    sellers: int
    end: dt.date
    seed: int = 20250101

    @property
    def buyers(self) -> int:
        return self.sellers * BUYERS_PER_SELLER


# Column helpers: every column becomes a list of CSV cells (str).


def _ints(array) -> list[str]:
    return np.asarray(array).astype(np.int64).astype(str).tolist()


def _times(micros, present=None) -> list[str]:
    """Format UTC epoch microseconds; cells where ``present`` is False become NULL."""
    text = np.datetime_as_string(np.asarray(micros, dtype=np.int64).astype("datetime64[us]"), unit="us")
    if present is not None:
        text = np.where(present, text, "")
    return text.tolist()


def _const(value: str, count: int) -> list[str]:
    return [value] * count


def _choose(options: list[str], indexes) -> list[str]:
    quoted = np.array([f'"{option}"' for option in options], dtype=object)
    return quoted[np.asarray(indexes)].tolist()


def _copy(cursor, table: str, columns: dict[str, list[str]]) -> int:
    names = list(columns)
    cells = list(columns.values())
    count = len(cells[0])
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)"
    with cursor.copy(statement) as copy:
        for start in range(0, count, CHUNK_ROWS):
            chunk = [column[start:start + CHUNK_ROWS] for column in cells]
            copy.write("\n".join(",".join(row) for row in zip(*chunk)) + "\n")
    return count


EMPTY = '""'
MICROS_PER_HOUR = 3600 * 10**6
MICROS_PER_DAY = 24 * MICROS_PER_HOUR


def _epoch_micros(moment: dt.datetime) -> int:
    return int((moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds()) * 10**6


def build(params: Params, rng: np.random.Generator):
    """Yield (table, columns) pairs in foreign-key order."""
    sellers, buyers = params.sellers, params.buyers
    # The data ends at 00:00 UTC of the day after ``end``. East of UTC that is
    # after the local cutoff of ``end`` (03:00 in Riyadh), so the evaluation of
    # ``end`` ignores its last hours, as it ignores any row past the cutoff.
    end = _epoch_micros(dt.datetime.combine(params.end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC))
    start = end - HISTORY_DAYS * MICROS_PER_DAY
    span = end - start

    def moments(count):
        # Activity grows over the two years: more recent days are busier.
        return start + (rng.beta(1.6, 1.0, count) * span).astype(np.int64)

    # Users: sellers take ids 1..S, buyers S+1..S+B.
    user_count = sellers + buyers
    user_ids = np.arange(1, user_count + 1)
    joined = start - rng.integers(0, 365 * MICROS_PER_DAY, user_count)
    usernames = [f"seller{i}" if i <= sellers else f"buyer{i - sellers}" for i in range(1, user_count + 1)]
    yield "accounts_user", {
        "id": _ints(user_ids),
        "password": _const('"!"', user_count),
        "is_superuser": _const("f", user_count),
        "username": usernames,
        "first_name": _const(EMPTY, user_count),
        "last_name": _const(EMPTY, user_count),
        "email": [f"{name}@example.com" for name in usernames],
        "is_staff": _const("f", user_count),
        "is_active": _const("t", user_count),
        "date_joined": _times(joined),
        "display_name": usernames,
    }

    seller_ids = np.arange(1, sellers + 1)
    yield "sellers_sellerprofile", {
        "id": _ints(seller_ids),
        "user_id": _ints(seller_ids),
        "level": _const("1", sellers),
        "qualifying_level": _const("1", sellers),
        "failing_criteria": _const('"[]"', sellers),
        "override_reason": _const(EMPTY, sellers),
        "created_at": _times(joined[:sellers]),
    }

    yield "services_category", {
        "id": _ints(np.arange(1, len(CATEGORIES) + 1)),
        "slug": [slug for slug, _, _ in CATEGORIES],
        "name_ar": [name for _, name, _ in CATEGORIES],
        "name_en": [f'"{name}"' for _, _, name in CATEGORIES],
    }

    # Per-seller traits: how busy, how good, how quick to answer.
    activity = rng.lognormal(0.0, 1.0, sellers)
    activity /= activity.sum()
    completion_rate = rng.uniform(0.75, 0.995, sellers)
    mean_rating = rng.uniform(3.3, 5.2, sellers)
    reply_rate = rng.uniform(0.7, 0.99, sellers)
    reply_median_hours = rng.lognormal(1.5, 1.0, sellers)

    # Services: 1 to 5 per seller, numbered contiguously per seller.
    services_per_seller = rng.integers(1, MAX_SERVICES_PER_SELLER + 1, sellers)
    first_service = np.concatenate([[1], np.cumsum(services_per_seller)[:-1] + 1])
    service_count = int(services_per_seller.sum())
    service_seller = np.repeat(seller_ids, services_per_seller)
    service_price_cents = rng.integers(500, 5001, service_count)
    service_status = rng.choice(3, service_count, p=[0.85, 0.1, 0.05])  # active, paused, draft
    service_created = start - rng.integers(0, 180 * MICROS_PER_DAY, service_count)
    service_category = rng.integers(1, len(CATEGORIES) + 1, service_count)
    yield "services_service", {
        "id": _ints(np.arange(1, service_count + 1)),
        "seller_id": _ints(service_seller),
        "category_id": _ints(service_category),
        "title": [f"خدمة رقم {i}" for i in range(1, service_count + 1)],
        "description": _const(EMPTY, service_count),
        "price": [f"{cents // 100}.{cents % 100:02d}" for cents in service_price_cents.tolist()],
        "delivery_days": _ints(rng.integers(1, 15, service_count)),
        "status": _choose(["active", "paused", "draft"], service_status),
        "pause_reason": _choose(["", "seller", ""], service_status),
        "created_at": _times(service_created),
        "updated_at": _times(service_created),
    }

    # Orders: the seller by activity, a service of that seller, a buyer who is
    # one of the seller's regulars a third of the time.
    order_count = sellers * ORDERS_PER_SELLER
    order_seller_index = rng.choice(sellers, order_count, p=activity)
    order_seller = order_seller_index + 1
    order_service = first_service[order_seller_index] + (
        rng.random(order_count) * services_per_seller[order_seller_index]
    ).astype(np.int64)
    regular = rng.random(order_count) < 0.33
    regular_buyer = (order_seller * 7919 + rng.integers(0, 4, order_count)) % buyers
    order_buyer = sellers + 1 + np.where(regular, regular_buyer, rng.integers(0, buyers, order_count))
    order_created = np.sort(moments(order_count))
    order_price_cents = service_price_cents[order_service - 1]

    delivery = rng.integers(1, 15, order_count) * MICROS_PER_DAY + rng.integers(0, MICROS_PER_DAY, order_count)
    completes = rng.random(order_count) < completion_rate[order_seller_index]
    cancel_after = rng.integers(0, 7 * MICROS_PER_DAY, order_count)
    closing = order_created + np.where(completes, delivery, cancel_after)
    closed = closing < end
    delivered_at = order_created + (delivery * 0.8).astype(np.int64)
    completed = completes & closed
    cancelled = ~completes & closed
    delivered = ~closed & (delivered_at < end) & completes
    # open, delivered, completed, cancelled
    status = np.where(completed, 2, np.where(cancelled, 3, np.where(delivered, 1, 0)))
    order_excluded = rng.random(order_count) < EXCLUDED
    order_ids = np.arange(1, order_count + 1)
    yield "orders_order", {
        "id": _ints(order_ids),
        "service_id": _ints(order_service),
        "seller_id": _ints(order_seller),
        "buyer_id": _ints(order_buyer),
        "price": [f"{cents // 100}.{cents % 100:02d}" for cents in order_price_cents.tolist()],
        "status": _choose(["open", "delivered", "completed", "cancelled"], status),
        "created_at": _times(order_created),
        "delivered_at": _times(delivered_at, completed | delivered),
        "completed_at": _times(closing, completed),
        "cancelled_at": _times(closing, cancelled),
        "cancelled_by": _choose(["", "buyer", "seller"], np.where(cancelled, 1 + (order_ids % 2), 0)),
        "cancel_reason": _const(EMPTY, order_count),
        "excluded": np.where(order_excluded, "t", "f").tolist(),
        "excluded_reason": _choose(["", "Excluded by the benchmark generator"], order_excluded.astype(int)),
    }

    # Reviews: most completed orders, a few days after completion.
    review_time = closing + rng.exponential(1.5 * MICROS_PER_DAY, order_count).astype(np.int64)
    reviewed = completed & (rng.random(order_count) < REVIEWED) & (review_time < end)
    review_orders = np.flatnonzero(reviewed)
    review_count = len(review_orders)
    ratings = np.clip(
        np.rint(rng.normal(mean_rating[order_seller_index[review_orders]], 0.8)), 1, 5,
    ).astype(np.int64)
    review_excluded = rng.random(review_count) < EXCLUDED
    yield "orders_review", {
        "id": _ints(np.arange(1, review_count + 1)),
        "order_id": _ints(review_orders + 1),
        "seller_id": _ints(order_seller[review_orders]),
        "rating": _ints(ratings),
        "comment": _const(EMPTY, review_count),
        "created_at": _times(review_time[review_orders]),
        "excluded": np.where(review_excluded, "t", "f").tolist(),
        "excluded_reason": _choose(["", "Excluded by the benchmark generator"], review_excluded.astype(int)),
    }

    # Inquiries: some precede an order by the same buyer (and convert), the
    # rest come from any buyer and mostly do not.
    inquiry_count = sellers * INQUIRIES_PER_SELLER
    preceding = rng.choice(order_count, int(inquiry_count * PRECEDED_BY_INQUIRY), replace=False)
    cold = inquiry_count - len(preceding)
    cold_seller_index = rng.choice(sellers, cold, p=activity)
    inquiry_seller_index = np.concatenate([order_seller_index[preceding], cold_seller_index])
    inquiry_buyer = np.concatenate([order_buyer[preceding], sellers + 1 + rng.integers(0, buyers, cold)])
    lead_time = rng.integers(0, 12 * MICROS_PER_DAY, len(preceding))
    inquiry_started = np.concatenate([
        np.maximum(order_created[preceding] - lead_time, start), moments(cold),
    ])
    inquiry_service = np.concatenate([
        order_service[preceding],
        first_service[cold_seller_index] + (rng.random(cold) * services_per_seller[cold_seller_index]).astype(np.int64),
    ])
    order_by_start = np.argsort(inquiry_started, kind="stable")
    inquiry_seller_index = inquiry_seller_index[order_by_start]
    inquiry_buyer = inquiry_buyer[order_by_start]
    inquiry_started = inquiry_started[order_by_start]
    inquiry_service = inquiry_service[order_by_start]

    reply_delay = (
        rng.lognormal(0.0, 1.0, inquiry_count) * reply_median_hours[inquiry_seller_index] * MICROS_PER_HOUR
    ).astype(np.int64)
    first_reply = inquiry_started + np.maximum(reply_delay, 10**6)
    replied = (rng.random(inquiry_count) < reply_rate[inquiry_seller_index]) & (first_reply < end)
    inquiry_excluded = rng.random(inquiry_count) < EXCLUDED
    inquiry_ids = np.arange(1, inquiry_count + 1)
    yield "conversations_conversation", {
        "id": _ints(inquiry_ids),
        "seller_id": _ints(inquiry_seller_index + 1),
        "buyer_id": _ints(inquiry_buyer),
        "service_id": _ints(inquiry_service),
        "started_at": _times(inquiry_started),
        "first_reply_at": _times(first_reply, replied),
        "excluded": np.where(inquiry_excluded, "t", "f").tolist(),
        "excluded_reason": _choose(["", "Excluded by the benchmark generator"], inquiry_excluded.astype(int)),
    }

    # Messages: the buyer's opening one, the seller's first reply (whose time
    # is first_reply_at), and sometimes a follow-up from the buyer.
    follow_up_time = first_reply + rng.integers(60 * 10**6, 2 * MICROS_PER_DAY, inquiry_count)
    follows_up = replied & (rng.random(inquiry_count) < 0.18) & (follow_up_time < end)
    message_conversation = np.concatenate([inquiry_ids, inquiry_ids[replied], inquiry_ids[follows_up]])
    message_sender = np.concatenate([
        np.zeros(inquiry_count, np.int64), np.ones(int(replied.sum()), np.int64),
        np.zeros(int(follows_up.sum()), np.int64),
    ])
    message_sent = np.concatenate([inquiry_started, first_reply[replied], follow_up_time[follows_up]])
    message_count = len(message_conversation)
    body_index = rng.integers(0, 3, message_count)
    bodies = np.array(
        [MESSAGE_BODIES["buyer"], MESSAGE_BODIES["seller"]], dtype=object,
    )[message_sender, body_index]
    yield "conversations_message", {
        "id": _ints(np.arange(1, message_count + 1)),
        "conversation_id": _ints(message_conversation),
        "sender": _choose(["buyer", "seller"], message_sender),
        "body": bodies.tolist(),
        "sent_at": _times(message_sent),
    }


def fill(connection: psycopg.Connection, params: Params, *, progress=None) -> dict[str, int]:
    """Load a generated marketplace into empty tables; return the rows per table.

    Runs in the connection's current transaction. ``progress`` is called with
    each table name once it is loaded.
    """
    rng = np.random.default_rng(params.seed)
    counts = {}
    with connection.cursor() as cursor:
        # Timestamps are written as UTC without an offset.
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        for table, columns in build(params, rng):
            counts[table] = _copy(cursor, table, columns)
            if progress is not None:
                progress(table)
        for table in counts:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    return counts


# Consistency checks that the database constraints do not cover.
CONSISTENCY_CHECKS = {
    "order seller differs from its service's seller":
        "SELECT count(*) FROM orders_order o JOIN services_service s ON s.id = o.service_id "
        "WHERE s.seller_id <> o.seller_id",
    "review seller differs from its order's seller":
        "SELECT count(*) FROM orders_review r JOIN orders_order o ON o.id = r.order_id "
        "WHERE r.seller_id <> o.seller_id",
    "first reply differs from the earliest seller message":
        "SELECT count(*) FROM conversations_conversation c LEFT JOIN ("
        " SELECT conversation_id, min(sent_at) AS first FROM conversations_message"
        " WHERE sender = 'seller' GROUP BY conversation_id) m ON m.conversation_id = c.id "
        "WHERE c.first_reply_at IS DISTINCT FROM m.first",
    "message older than its inquiry":
        "SELECT count(*) FROM conversations_message m JOIN conversations_conversation c "
        "ON c.id = m.conversation_id WHERE m.sent_at < c.started_at",
}


def check_consistency(connection: psycopg.Connection) -> None:
    with connection.cursor() as cursor:
        for problem, query in CONSISTENCY_CHECKS.items():
            bad = cursor.execute(query).fetchone()[0]
            if bad:
                raise AssertionError(f"{bad} rows: {problem}")


# The command line: one database per size.


def database_url(name: str, server_url: str = DEFAULT_SERVER_URL) -> str:
    return f"{server_url.rstrip('/')}/{name}"


def generation_of(name: str, server_url: str = DEFAULT_SERVER_URL) -> dict | None:
    """Return the parameters a benchmark database was generated with, or None."""
    try:
        with psycopg.connect(database_url(name, server_url), connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT sellers, end_date, seed FROM bench_generation"
            ).fetchone()
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None
    return {"sellers": row[0], "end": row[1], "seed": row[2]} if row else None


def create_database(name: str, server_url: str = DEFAULT_SERVER_URL) -> None:
    with psycopg.connect(database_url("postgres", server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url(name, server_url)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True,
    )


def generate(name: str, params: Params, server_url: str = DEFAULT_SERVER_URL, *, show_progress=True) -> dict:
    """Create, migrate and fill database ``name``; return row counts and timings."""
    from tqdm import tqdm

    started = time.perf_counter()
    create_database(name, server_url)
    migrated = time.perf_counter()

    with psycopg.connect(database_url(name, server_url)) as connection:
        # Foreign keys are checked by triggers, one lookup per row; the replica
        # role skips them for the bulk load. CHECK constraints still apply, and
        # check_consistency() verifies what the generator promises.
        connection.execute("SET session_replication_role = replica")
        with tqdm(total=8, unit="table", desc=f"{name}: load", disable=not show_progress) as bar:
            counts = fill(connection, params, progress=lambda table: bar.update(1))
        connection.execute("SET session_replication_role = DEFAULT")
        connection.execute(
            "CREATE TABLE bench_generation (sellers integer, end_date date, seed bigint, generated_at timestamptz)"
        )
        connection.execute(
            "INSERT INTO bench_generation VALUES (%s, %s, %s, now())", (params.sellers, params.end, params.seed),
        )
        connection.commit()
        loaded = time.perf_counter()

        check_consistency(connection)
        connection.commit()
        connection.autocommit = True
        # Autovacuum would get there eventually; a fresh visibility map lets
        # the metric queries use index-only scans from the first run.
        connection.execute("VACUUM ANALYZE")
    finished = time.perf_counter()

    return {
        "database": name,
        "sellers": params.sellers,
        "seed": params.seed,
        "end": params.end.isoformat(),
        "rows": counts,
        "migrate_seconds": round(migrated - started, 2),
        "load_seconds": round(loaded - migrated, 2),
        "check_and_vacuum_seconds": round(finished - loaded, 2),
        "total_seconds": round(finished - started, 2),
    }


def size_label(sellers: int) -> str:
    return f"{sellers // 1000}k" if sellers % 1000 == 0 else str(sellers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sellers", type=int, required=True, help="Number of sellers, e.g. 10000.")
    parser.add_argument("--database", help="Database name (default bench_<size>, e.g. bench_10k).")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31),
                        help="Last day of the history, YYYY-MM-DD (default 2025-12-31).")
    parser.add_argument("--seed", type=int, default=20250101,
                        help="Random seed (default 20250101).")
    parser.add_argument("--server-url", default=os.environ.get("BENCH_SERVER_URL", DEFAULT_SERVER_URL),
                        help="PostgreSQL server URL without a database name.")
    args = parser.parse_args(argv)

    name = args.database or f"bench_{size_label(args.sellers)}"
    result = generate(name, Params(sellers=args.sellers, end=args.end, seed=args.seed), args.server_url)
    rows = ", ".join(f"{table.split('_', 1)[1]} {count:,}" for table, count in result["rows"].items())
    print(f"{name}: {rows} in {result['total_seconds']} s (load {result['load_seconds']} s)")


if __name__ == "__main__":
    main()
