"""The Celery application and the one place where the beat schedule lives."""

import logging
import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

logger = logging.getLogger(__name__)

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs):
    """Let the worker log through the LOGGING setting instead of Celery's own."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def nightly_schedule():
    """Return the beat entries; beat reads them in the marketplace time zone."""
    from django.conf import settings

    return {
        "levels-nightly-evaluation": {
            "task": "levels.evaluate_nightly",
            "schedule": crontab(
                hour=settings.LEVELS_NIGHTLY_HOUR,
                minute=settings.LEVELS_NIGHTLY_MINUTE,
            ),
        },
    }


@app.on_after_finalize.connect
def install_beat_schedule(sender, **kwargs):
    sender.conf.beat_schedule = nightly_schedule()


@beat_init.connect
def log_beat_schedule(sender, **kwargs):
    """Log every beat entry when beat starts, so the worker log shows what runs when."""
    for name, entry in sender.scheduler.schedule.items():
        # A crontab's repr spans several lines; one line reads better in a log.
        logger.info("Beat entry %s: task %s, %s", name, entry.task, " ".join(str(entry.schedule).split()))
