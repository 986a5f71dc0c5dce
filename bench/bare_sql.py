"""The lower bound: the metric aggregates of levels.metrics as hand-written SQL.

Each query groups every seller at once and its rows are fetched and dropped,
so the time is what PostgreSQL needs for the aggregates and nothing else: no
batches, no ORM, no level rules, no writes.
"""

import datetime as dt
import time

import psycopg

# Parameters: %(cutoff)s and the start of each 365-day window, all timestamptz.
QUERIES = {
    "clients": """
        SELECT seller_id, count(DISTINCT buyer_id)
        FROM orders_order
        WHERE NOT excluded AND completed_at < %(cutoff)s
        GROUP BY seller_id
    """,
    "ratings": """
        SELECT r.seller_id, sum(r.rating), sum(r.rating * r.rating), count(*)
        FROM orders_review r JOIN orders_order o ON o.id = r.order_id
        WHERE NOT r.excluded AND NOT o.excluded
          AND r.created_at >= %(rating_start)s AND r.created_at < %(cutoff)s
        GROUP BY r.seller_id
    """,
    "completions": """
        SELECT seller_id,
               count(*) FILTER (WHERE completed_at >= %(completion_start)s AND completed_at < %(cutoff)s),
               count(*) FILTER (WHERE cancelled_at >= %(completion_start)s AND cancelled_at < %(cutoff)s)
        FROM orders_order
        WHERE NOT excluded
          AND ((completed_at >= %(completion_start)s AND completed_at < %(cutoff)s)
               OR (cancelled_at >= %(completion_start)s AND cancelled_at < %(cutoff)s))
        GROUP BY seller_id
    """,
    # OFFSET 0 keeps the planner from pulling the subquery up, which would
    # copy the EXISTS into both FILTER clauses and run it twice per inquiry.
    "inquiries": """
        SELECT seller_id,
               count(*),
               count(*) FILTER (WHERE first_reply_at IS NULL OR first_reply_at >= %(cutoff)s),
               sum(CASE WHEN first_reply_at < %(cutoff)s THEN first_reply_at ELSE %(cutoff)s END - started_at),
               count(*) FILTER (WHERE converted),
               count(*) FILTER (WHERE converted OR started_at <= %(cutoff)s - %(conversion)s)
        FROM (
            SELECT c.seller_id, c.started_at, c.first_reply_at, EXISTS (
                SELECT 1 FROM orders_order o
                WHERE o.seller_id = c.seller_id AND o.buyer_id = c.buyer_id AND NOT o.excluded
                  AND o.created_at >= c.started_at AND o.created_at < c.started_at + %(conversion)s
                  AND o.created_at < %(cutoff)s
            ) AS converted
            FROM conversations_conversation c
            WHERE NOT c.excluded AND c.started_at >= %(contact_start)s AND c.started_at < %(cutoff)s
            OFFSET 0
        ) inquiries
        GROUP BY seller_id
    """,
}


def parameters(cutoff: dt.datetime, window_starts: dict[str, dt.datetime], conversion_days: int) -> dict:
    return {
        "cutoff": cutoff,
        "conversion": dt.timedelta(days=conversion_days),
        **window_starts,
    }


def fetch(connection: psycopg.Connection, params: dict) -> dict[str, list[tuple]]:
    """Run every query; return its rows by query name."""
    return {name: connection.execute(query, params).fetchall() for name, query in QUERIES.items()}


def run_queries(url: str, params: dict) -> dict[str, float]:
    """Run every query once on a fresh connection; return seconds per query."""
    seconds = {}
    with psycopg.connect(url) as connection:
        for name, query in QUERIES.items():
            started = time.perf_counter()
            connection.execute(query, params).fetchall()
            seconds[name] = time.perf_counter() - started
    return seconds


def explain(url: str, params: dict) -> dict[str, str]:
    """Return EXPLAIN (ANALYZE, BUFFERS) of every query."""
    plans = {}
    with psycopg.connect(url) as connection:
        for name, query in QUERIES.items():
            rows = connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params).fetchall()
            plans[name] = "\n".join(row[0] for row in rows)
    return plans


def as_metric_values(rows: dict[str, list[tuple]]):
    """Turn the rows of ``fetch`` into MetricValues by seller, like levels.metrics does."""
    from levels.values import MetricValues

    fields = {
        "clients": ["clients"],
        "ratings": ["rating_sum", "rating_square_sum", "rating_count"],
        "completions": ["completed_count", "cancelled_count"],
        "inquiries": ["inquiry_count", "unanswered_count", "response_total_us", "converted_count", "decided_count"],
    }
    by_seller: dict[int, dict] = {}
    for name, names in fields.items():
        for seller_id, *values in rows[name]:
            row = dict(zip(names, values))
            if "response_total_us" in row:
                row["response_total_us"] = (row["response_total_us"] or dt.timedelta(0)) // dt.timedelta(microseconds=1)
            by_seller.setdefault(seller_id, {}).update(row)
    return {seller_id: MetricValues(**values) for seller_id, values in by_seller.items()}
