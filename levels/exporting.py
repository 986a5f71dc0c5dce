"""The levels of every seller as the JSON document of ``export_levels``.

For the latest evaluated date the state comes from the seller profiles and
the metrics table. For an earlier date the state is rebuilt. The level and the
grace end come from the last level event on or before that date. The metrics
are recomputed as of that date: they depend on the data only, so they equal
what the evaluation of that date saw unless exclusions changed since.
"""

import datetime as dt

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from levels import metrics as metric_queries
from levels import values
from levels.evaluation import batch_size, latest_evaluated_date
from levels.models import EvaluationRun, LevelEvent, SellerMetrics
from levels.policy import current_policy
from sellers.models import SellerProfile


class ExportError(Exception):
    pass


def export_levels(as_of: dt.date | None = None) -> list[dict]:
    latest = latest_evaluated_date()
    if latest is None:
        raise ExportError("No evaluation has run yet: run recompute_levels first.")

    if as_of is None or as_of == latest:
        entries = _latest_entries(latest)
    else:
        entries = _entries_as_of(as_of, latest)
    return sorted(entries, key=lambda entry: entry["seller"])


def _seller_profiles():
    return SellerProfile.objects.annotate(
        seller_key=Coalesce(F("user__external_id"), F("user__username")),
    ).order_by("user_id")


def _latest_entries(latest: dt.date) -> list[dict]:
    metrics = {row.seller_id: row for row in SellerMetrics.objects.all()}
    entries = []
    for profile in _seller_profiles():
        row = metrics.get(profile.user_id)
        seller_values = row.as_values() if row else values.MetricValues()
        entries.append(_entry(
            profile.seller_key,
            level=profile.level,
            qualifying=row.qualifying_level if row else profile.qualifying_level,
            grace_ends_on=profile.grace_ends_on,
            evaluated_on=row.evaluated_on if row else latest,
            seller_values=seller_values,
        ))
    return entries


def _entries_as_of(as_of: dt.date, latest: dt.date) -> list[dict]:
    run = EvaluationRun.objects.filter(evaluated_on=as_of, status=EvaluationRun.Status.DONE).first()
    if run is None:
        raise ExportError(
            f"{as_of} has no finished evaluation; the latest evaluated date is {latest}."
        )

    policy = current_policy()
    last_event = LevelEvent.objects.filter(seller_id=OuterRef("user_id"), evaluated_on__lte=as_of).order_by(
        "-evaluated_on", "-pk",
    )
    profiles = list(
        _seller_profiles().annotate(
            level_then=Subquery(last_event.values("to_level")[:1]),
            grace_then=Subquery(last_event.values("grace_ends_on")[:1]),
        )
    )

    entries = []
    size = batch_size()
    for start in range(0, len(profiles), size):
        chunk = profiles[start:start + size]
        computed = metric_queries.compute_metrics(chunk[0].user_id, chunk[-1].user_id, as_of, policy)
        for profile in chunk:
            seller_values = computed.get(profile.user_id, values.MetricValues())
            entries.append(_entry(
                profile.seller_key,
                level=profile.level_then or policy.lowest,
                qualifying=values.qualifying_level(seller_values, policy),
                grace_ends_on=profile.grace_then,
                evaluated_on=as_of,
                seller_values=seller_values,
            ))
    return entries


def _entry(seller_key, *, level, qualifying, grace_ends_on, evaluated_on, seller_values) -> dict:
    return {
        "seller": seller_key,
        "level": level,
        "qualifying_level": qualifying,
        "grace_ends_on": grace_ends_on.isoformat() if grace_ends_on else None,
        "evaluated_on": evaluated_on.isoformat(),
        "metrics": values.metrics_json(seller_values),
    }
