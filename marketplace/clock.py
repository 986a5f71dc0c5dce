"""The one source of "now" and of local calendar dates.

Stored datetimes are aware (UTC). Evaluation dates and grace periods are local
calendar dates in settings.TIME_ZONE, and every boundary between the two is
computed here so tests can freeze time in one place.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> dt.date:
    return timezone.localtime(now(), local_zone()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """Return 00:00 local time of ``day`` as an aware datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_zone())


def cutoff(as_of: dt.date) -> dt.datetime:
    """Return the first instant after ``as_of``: 00:00 local time of the next day.

    Only events strictly before it count in an evaluation as of ``as_of``.
    """
    return local_midnight(as_of + dt.timedelta(days=1))


def window_start(as_of: dt.date, days: int) -> dt.datetime:
    """Return the start of a trailing window of ``days`` local calendar days.

    Counting in calendar days keeps the window at midnight across daylight
    saving changes, where subtracting ``days * 24`` hours would not.
    """
    return local_midnight(as_of + dt.timedelta(days=1 - days))
