"""Emails that tell sellers about their level changes, sent after commit."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from levels.models import LevelEvent

logger = logging.getLogger(__name__)

NOTIFIED_KINDS = {
    LevelEvent.Kind.PROMOTED,
    LevelEvent.Kind.GRACE_STARTED,
    LevelEvent.Kind.RECOVERED,
    LevelEvent.Kind.DEMOTED,
}


def queue_event_notifications(events) -> None:
    """Queue the emails of ``events`` once the transaction that wrote them commits."""
    from levels.tasks import send_level_notifications

    event_ids = [event.pk for event in events if event.kind in NOTIFIED_KINDS and event.pk]
    if event_ids:
        transaction.on_commit(lambda: send_level_notifications.delay(event_ids))


def send_event_emails(event_ids: list[int]) -> int:
    events = LevelEvent.objects.filter(pk__in=event_ids).select_related("seller")
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for event in events:
            if not event.seller.email:
                continue
            subject, body = _message(event)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [event.seller.email])
            sent += 1
    logger.info("Sent %s level emails for %s events", sent, len(event_ids))
    return sent


def _message(event: LevelEvent) -> tuple[str, str]:
    params = {"from": event.from_level, "to": event.to_level}

    if event.kind == LevelEvent.Kind.PROMOTED:
        return (
            _("You reached level %(to)s") % params,
            _("Congratulations: your performance moved you from level %(from)s to level %(to)s.") % params,
        )

    if event.kind == LevelEvent.Kind.RECOVERED:
        return (
            _("You kept level %(to)s") % params,
            _("Your performance meets every criterion of level %(to)s again, so your grace period has ended.")
            % params,
        )

    if event.kind == LevelEvent.Kind.GRACE_STARTED:
        params["date"] = date_format(event.grace_ends_on, "DATE_FORMAT")
        return (
            _("Your level %(from)s needs attention") % params,
            _(
                "Some criteria of level %(from)s are no longer met. You keep the level until "
                "%(date)s; meet every criterion again before then to keep it."
            ) % params,
        )

    paused = event.details.get("paused_services", [])
    params["paused"] = len(paused)
    return (
        _("Your level changed to %(to)s") % params,
        _(
            "Your grace period ended without the criteria of level %(from)s being met, so your "
            "level is now %(to)s. Services paused to fit the new caps: %(paused)s. You can "
            "re-activate them from your services page within the caps of your level."
        ) % params,
    )
