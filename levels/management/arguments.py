import datetime as dt

from django.core.management.base import CommandError


def parse_date(text: str) -> dt.date:
    """Parse a YYYY-MM-DD command-line date, or stop the command with a clear error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Invalid date {text!r}: use YYYY-MM-DD.") from None
