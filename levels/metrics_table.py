"""Bulk writes of the metrics table, the largest write of every evaluation.

On PostgreSQL a batch is one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT``
with one array per column, which skips building a model instance and a
parameter list per row. Profiling the Olist replay showed the ORM's
``bulk_create(update_conflicts=True)`` spending about half of each night
preparing values. Other databases use that ORM path.
"""

import dataclasses
import datetime as dt

from django.db import connection

from levels.models import SellerMetrics
from levels.values import MetricValues
from marketplace import clock

VALUE_FIELDS = [field.name for field in dataclasses.fields(MetricValues)]
COLUMNS = ["seller_id", "evaluated_on", *VALUE_FIELDS, "qualifying_level", "score", "updated_at"]
_SQL_TYPES = {"seller_id": "bigint", "evaluated_on": "date", "score": "double precision",
              "updated_at": "timestamptz", "response_total_us": "bigint", "qualifying_level": "smallint"}


@dataclasses.dataclass(frozen=True)
class MetricsRow:
    seller_id: int
    evaluated_on: dt.date
    values: MetricValues
    qualifying_level: int
    score: float


def upsert_metrics(rows: list[MetricsRow]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows)
    else:
        _upsert_orm(rows)


def _upsert_postgresql(rows: list[MetricsRow]) -> None:
    now = clock.now()
    arrays = {name: [] for name in COLUMNS}
    for row in rows:
        arrays["seller_id"].append(row.seller_id)
        arrays["evaluated_on"].append(row.evaluated_on)
        for name in VALUE_FIELDS:
            arrays[name].append(getattr(row.values, name))
        arrays["qualifying_level"].append(row.qualifying_level)
        arrays["score"].append(row.score)
        arrays["updated_at"].append(now)

    table = SellerMetrics._meta.db_table
    casts = ", ".join(f"%s::{_SQL_TYPES.get(name, 'integer')}[]" for name in COLUMNS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS if name != "seller_id")
    sql = (
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) SELECT * FROM unnest({casts}) "
        f"ON CONFLICT (seller_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [arrays[name] for name in COLUMNS])


def _upsert_orm(rows: list[MetricsRow]) -> None:
    SellerMetrics.objects.bulk_create(
        [
            SellerMetrics(
                seller_id=row.seller_id,
                evaluated_on=row.evaluated_on,
                qualifying_level=row.qualifying_level,
                score=row.score,
                **dataclasses.asdict(row.values),
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["seller"],
        update_fields=[name for name in COLUMNS if name != "seller_id"],
        batch_size=500,
    )
