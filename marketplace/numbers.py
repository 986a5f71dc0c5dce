"""Parsing of numbers typed by people, in Western or Arabic-Indic digits.

Arabic keyboards type ٠١٢٣٤٥٦٧٨٩ and the Arabic decimal separator ٫; Persian
and Urdu ones type ۰۱۲۳۴۵۶۷۸۹. All of them are read as their ASCII digits.
Exponents, thousands separators, NaN and infinities are rejected, because a
price or a count typed as "1e3" or "1,000" is more likely a mistake than intent.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫",
    "01234567890123456789.",
)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")


def normalize_digits(text: str) -> str:
    """Return ``text`` with Arabic-Indic digits and ٫ replaced by ASCII."""
    return text.translate(_DIGITS).strip()


def parse_decimal(text, *, places: int = 2) -> Decimal:
    """Parse a decimal number with at most ``places`` decimals.

    Raises ValidationError with a translated message on anything else.
    """
    if isinstance(text, Decimal):
        text = str(text)
    normalized = normalize_digits(str(text))
    if not _DECIMAL.fullmatch(normalized):
        raise ValidationError(
            _("Enter a number such as 12.50, using digits and one decimal point."),
            code="invalid",
        )

    try:
        value = Decimal(normalized)
    except InvalidOperation:
        raise ValidationError(_("Enter a valid number."), code="invalid") from None

    if -value.as_tuple().exponent > places:
        raise ValidationError(
            _("Use at most %(places)s digits after the decimal point."),
            code="max_decimal_places",
            params={"places": places},
        )
    return value


def parse_integer(text) -> int:
    """Parse a whole number written in Western or Arabic-Indic digits."""
    normalized = normalize_digits(str(text))
    if not _INTEGER.fullmatch(normalized):
        raise ValidationError(_("Enter a whole number."), code="invalid")
    return int(normalized)
