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
    "inquiries": """
        SELECT c.seller_id,
               count(*),
               count(*) FILTER (WHERE c.first_reply_at IS NULL OR c.first_reply_at >= %(cutoff)s),
               sum(CASE WHEN c.first_reply_at < %(cutoff)s THEN c.first_reply_at ELSE %(cutoff)s END
                   - c.started_at),
               count(*) FILTER (WHERE x.converted),
               count(*) FILTER (WHERE x.converted OR c.started_at <= %(cutoff)s - %(conversion)s)
        FROM conversations_conversation c
        CROSS JOIN LATERAL (SELECT EXISTS (
            SELECT 1 FROM orders_order o
            WHERE o.seller_id = c.seller_id AND o.buyer_id = c.buyer_id AND NOT o.excluded
              AND o.created_at >= c.started_at AND o.created_at < c.started_at + %(conversion)s
              AND o.created_at < %(cutoff)s
        ) AS converted) x
        WHERE NOT c.excluded AND c.started_at >= %(contact_start)s AND c.started_at < %(cutoff)s
        GROUP BY c.seller_id
    """,
}


def parameters(cutoff: dt.datetime, window_starts: dict[str, dt.datetime], conversion_days: int) -> dict:
    return {
        "cutoff": cutoff,
        "conversion": dt.timedelta(days=conversion_days),
        **window_starts,
    }


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
