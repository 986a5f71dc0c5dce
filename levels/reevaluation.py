"""Staff re-evaluation of chosen sellers, recorded with who asked for it and why."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from levels import values
from levels.evaluation import BatchCounts, evaluate_sellers, latest_done_date, policy_snapshot
from levels.models import LevelEvent, SellerMetrics
from levels.policy import current_policy
from sellers.models import SellerProfile

logger = logging.getLogger(__name__)


def sellers_reevaluate(*, seller_ids, reason: str, actor) -> BatchCounts:
    """Re-evaluate ``seller_ids`` as of the latest finished date and record one event per seller.

    The transitions themselves are recorded by the evaluation; the extra
    ``reevaluated`` event keeps the request on record even when nothing changed.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason; it is kept in the audit log.")})
    as_of = latest_done_date()
    if as_of is None:
        raise ValidationError(_("No evaluation has finished yet, so there is no date to re-evaluate."))
    seller_ids = sorted(set(seller_ids))
    policy = current_policy()

    with transaction.atomic():
        levels_before = dict(
            SellerProfile.objects.filter(user_id__in=seller_ids).values_list("user_id", "level")
        )
        counts = evaluate_sellers(list(levels_before), actor=actor, reason=reason)

        levels_after = dict(
            SellerProfile.objects.filter(user_id__in=seller_ids).values_list("user_id", "level")
        )
        metrics = {row.seller_id: row for row in SellerMetrics.objects.filter(seller_id__in=seller_ids)}
        snapshot = policy_snapshot(policy)
        LevelEvent.objects.bulk_create(
            _event(seller_id, as_of, levels_before[seller_id], levels_after[seller_id],
                   metrics.get(seller_id), policy, snapshot, reason, actor)
            for seller_id in levels_before
        )

    logger.info("Staff %s re-evaluated sellers %s as of %s", actor.pk, list(levels_before), as_of)
    return counts


def _event(seller_id, as_of, before, after, metrics_row, policy, snapshot, reason, actor) -> LevelEvent:
    metric_values = metrics_row.as_values() if metrics_row else values.MetricValues()
    qualifying = metrics_row.qualifying_level if metrics_row else policy.lowest
    return LevelEvent(
        seller_id=seller_id, kind=LevelEvent.Kind.REEVALUATED, evaluated_on=as_of,
        from_level=before, to_level=after, qualifying_level=qualifying,
        metrics=values.metrics_json(metric_values),
        thresholds=values.thresholds_json(policy.level(after)),
        details={"as_of": as_of.isoformat()}, policy=snapshot, reason=reason, actor=actor,
    )
