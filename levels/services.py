"""Staff writes on a seller's level: pinning and lifting a pin, each with its event."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from levels.evaluation import policy_snapshot
from levels.models import LevelEvent
from levels.policy import current_policy
from marketplace import clock
from sellers.models import SellerProfile
from services.services import seller_rank_refresh

logger = logging.getLogger(__name__)


def level_pin_set(*, seller, level: int, reason: str, actor, ends_on: dt.date | None = None) -> SellerProfile:
    """Pin ``seller`` to ``level`` until ``ends_on`` (or until lifted) and record who did it.

    The pin replaces any grace period: staff decided the level, so the
    evaluation restarts from it when the pin ends.
    """
    policy = current_policy()
    if not policy.lowest <= level <= policy.highest:
        raise ValidationError({"level": _("Choose a level from 1 to 3.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for pinning this level.")})
    today = clock.local_today()
    if ends_on is not None and ends_on <= today:
        raise ValidationError({"ends_on": _("The end date must be after today.")})

    with transaction.atomic():
        profile = SellerProfile.objects.select_for_update().get(user=seller)
        event = LevelEvent(
            seller=seller, kind=LevelEvent.Kind.OVERRIDE_SET, evaluated_on=today,
            from_level=profile.level, to_level=level, reason=reason, actor=actor,
            details={"ends_on": ends_on.isoformat() if ends_on else None},
            policy=policy_snapshot(policy),
        )
        profile.level = level
        profile.override_level = level
        profile.override_reason = reason
        profile.override_ends_on = ends_on
        profile.override_set_by = actor
        profile.grace_started_on = profile.grace_ends_on = None
        profile.failing_criteria = []
        profile.save()
        event.save()
        seller_rank_refresh(seller=seller, level=level)

    logger.info("Seller %s pinned to level %s by %s until %s", seller.pk, level, actor.pk, ends_on)
    return profile


def level_pin_lift(*, seller, reason: str, actor) -> SellerProfile:
    """End a pin now; the next evaluation applies the rules from the pinned level."""
    with transaction.atomic():
        profile = SellerProfile.objects.select_for_update().get(user=seller)
        if profile.override_level is None:
            raise ValidationError(_("This seller's level is not pinned."))
        LevelEvent.objects.create(
            seller=seller, kind=LevelEvent.Kind.OVERRIDE_LIFTED, evaluated_on=clock.local_today(),
            from_level=profile.level, to_level=profile.level, reason=reason, actor=actor,
            policy=policy_snapshot(current_policy()),
        )
        profile.override_level = None
        profile.override_reason = ""
        profile.override_ends_on = None
        profile.override_set_by = None
        profile.save()

    logger.info("Pin of seller %s lifted by %s", seller.pk, actor.pk)
    return profile
