"""The benchmark's generator and naive baseline agree with the engine on a tiny marketplace.

A correctness test, not a timing test: if the naive baseline and
levels.metrics disagree, the speed-up in BENCHMARKS.md compares different work.
"""

import dataclasses
import datetime as dt

import pytest
from django.db import connection

pytest.importorskip("numpy", reason="the benchmark generator needs numpy (bench/requirements.txt)")

from bench import bare_sql, generate, naive  # noqa: E402
from levels.metrics import compute_metrics  # noqa: E402
from levels.policy import current_policy  # noqa: E402
from levels.values import MetricValues  # noqa: E402
from marketplace import clock  # noqa: E402

SELLERS = 60
END = dt.date(2025, 12, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketplace():
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads with PostgreSQL COPY")
    connection.ensure_connection()
    return generate.fill(connection.connection, generate.Params(sellers=SELLERS, end=END, seed=7))


def test_generator_rows_are_consistent(marketplace):
    assert marketplace["sellers_sellerprofile"] == SELLERS
    assert marketplace["orders_order"] == SELLERS * generate.ORDERS_PER_SELLER
    assert marketplace["conversations_conversation"] == SELLERS * generate.INQUIRIES_PER_SELLER
    generate.check_consistency(connection.connection)


# The end of the history, and a date in its middle whose cutoff hides later rows.
@pytest.mark.parametrize("as_of", [END, END - dt.timedelta(days=300)])
def test_naive_matches_engine(marketplace, as_of):
    policy = current_policy()
    engine = compute_metrics(1, SELLERS, as_of, policy)
    baseline = naive.all_seller_metrics(as_of, policy)

    assert len(baseline) == SELLERS
    for seller_id, values in baseline.items():
        assert values == engine.get(seller_id, MetricValues()), f"seller {seller_id}"


def test_bare_sql_matches_engine(marketplace):
    policy = current_policy()
    params = bare_sql.parameters(
        clock.cutoff(END),
        {
            "rating_start": clock.window_start(END, policy.rating_window_days),
            "completion_start": clock.window_start(END, policy.completion_window_days),
            "contact_start": clock.window_start(END, policy.contact_window_days),
        },
        policy.conversion_window_days,
    )

    bare = bare_sql.as_metric_values(bare_sql.fetch(connection.connection, params))

    assert bare == compute_metrics(1, SELLERS, END, policy)


def test_data_exercises_every_metric(marketplace):
    totals = {field.name: 0 for field in dataclasses.fields(MetricValues)}
    for values in compute_metrics(1, SELLERS, END, current_policy()).values():
        for name in totals:
            totals[name] += getattr(values, name)

    for name, total in totals.items():
        assert total > 0, f"no seller has a non-zero {name}"
