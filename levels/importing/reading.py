"""Reading the CSV files of an import: headers, records with their line numbers, cell values.

Every check on a single cell lives here and raises RowError, whose message
names the column and the value so the operator can find and fix the cell.
"""

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _
from tqdm import tqdm

from marketplace.numbers import parse_decimal, parse_integer

from .report import ImportFailed

# The external_id columns of the models hold at most this many characters.
MAX_ID_LENGTH = 64
# Values longer than this are cut in messages, so one bad cell of a long
# message body does not flood the output.
SHOWN_VALUE_LENGTH = 40


class RowError(Exception):
    """A reason to reject one row: a stable ``code`` and a translated ``message``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Not frozen: a frozen dataclass takes about twice as long to create, which
# showed in the profile of an import of a million rows.
@dataclasses.dataclass(slots=True)
class CsvRecord:
    """One data row of a CSV file.

    ``line`` is where the row starts in the file, the header being line 1.
    ``error`` is set instead of usable cells when the row is malformed.
    """

    line: int
    cells: list[str]
    columns: dict[str, int]
    error: RowError | None = None

    def cell(self, column: str) -> str:
        return self.cells[self.columns[column]].strip()


def shown(value: str) -> str:
    if len(value) <= SHOWN_VALUE_LENGTH:
        return value
    return value[:SHOWN_VALUE_LENGTH] + "…"


def _open(path: Path):
    # utf-8-sig drops the byte order mark that spreadsheet programs write.
    # surrogateescape keeps bytes that are not UTF-8 as lone surrogates, so
    # only the rows containing them are rejected instead of the whole file.
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_columns(path: Path, required: tuple[str, ...]) -> dict[str, int]:
    """Return the position of each column in the header of ``path``.

    Raises ImportFailed when the file is empty or a required column is missing.
    Extra columns are allowed; when a name repeats, its first column is used.
    """
    with _open(path) as handle:
        try:
            header = next(csv.reader(handle, strict=True), None)
        except csv.Error as problem:
            raise ImportFailed(
                _("The header of %(file)s is not valid CSV: %(error)s.") % {"file": path.name, "error": problem}
            ) from None
    if not header:
        raise ImportFailed(_("%(file)s is empty: it needs a header row.") % {"file": path.name})

    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        columns.setdefault(name.strip(), position)

    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFailed(
            _("%(file)s has no column %(columns)s. Its header must contain: %(required)s.")
            % {"file": path.name, "columns": ", ".join(missing), "required": ", ".join(required)}
        )
    return columns


def _count_data_lines(path: Path) -> int:
    """Return the number of lines after the header: the progress bar's total.

    A quoted cell spanning several lines makes this an overestimate.
    """
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def read_records(path: Path, columns: dict[str, int], *, progress: bool = False) -> Iterator[CsvRecord]:
    """Yield the data rows of ``path``, skipping blank lines.

    A row that breaks CSV quoting, is not UTF-8 or has a different number of
    cells than the header is yielded with ``error`` set, and reading goes on.
    """
    total = _count_data_lines(path) if progress else None
    with _open(path) as handle, tqdm(
        total=total, desc=path.name, unit=" rows", disable=not progress, leave=True,
    ) as bar:
        # strict: a stray quote is an error rather than silently part of a cell.
        reader = csv.reader(handle, strict=True)
        header = next(reader)
        last_line = reader.line_num
        while True:
            try:
                cells = next(reader)
                error = None
            except StopIteration:
                return
            except csv.Error as problem:
                cells = []
                error = RowError("malformed_row", _("The row is not valid CSV: %(error)s.") % {"error": problem})

            line = last_line + 1
            last_line = reader.line_num
            bar.update(last_line + 1 - line)
            if not cells and error is None:
                continue

            yield CsvRecord(line, cells, columns, error or _check_shape(cells, len(header)))


def _check_shape(cells: list[str], expected: int) -> RowError | None:
    if len(cells) != expected:
        return RowError(
            "malformed_row",
            _("The row has %(found)s cells but the header has %(expected)s columns.")
            % {"found": len(cells), "expected": expected},
        )

    text = "".join(cells)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return RowError("invalid_encoding", _("The row contains bytes that are not valid UTF-8."))

    # PostgreSQL text columns cannot store NUL, so saving it would abort the import.
    if "\x00" in text:
        return RowError("invalid_character", _("The row contains a NUL character (byte 0)."))
    return None


def missing(column: str) -> RowError:
    return RowError("missing_value", _("%(column)s is missing.") % {"column": column})


def parse_id(record: CsvRecord, column: str) -> str:
    """Return the id in ``column``, as stored in the external_id fields."""
    value = record.cell(column)
    if not value:
        raise missing(column)
    if len(value) > MAX_ID_LENGTH:
        raise RowError(
            "too_long",
            _('%(column)s "%(value)s" is longer than %(max)s characters.')
            % {"column": column, "value": shown(value), "max": MAX_ID_LENGTH},
        )
    return value


def parse_text(record: CsvRecord, column: str, *, required: bool, max_length: int | None = None) -> str:
    value = record.cell(column)
    if required and not value:
        raise missing(column)
    if max_length is not None and len(value) > max_length:
        raise RowError(
            "too_long",
            _('%(column)s "%(value)s" is longer than %(max)s characters.')
            % {"column": column, "value": shown(value), "max": max_length},
        )
    return value


def parse_choice(record: CsvRecord, column: str, choices: tuple[str, ...]) -> str:
    value = record.cell(column)
    if not value:
        raise missing(column)
    if value not in choices:
        raise RowError(
            "invalid_choice",
            _('%(column)s "%(value)s" is not one of: %(choices)s.')
            % {"column": column, "value": shown(value), "choices": ", ".join(choices)},
        )
    return value


def parse_slug(record: CsvRecord, column: str, *, max_length: int) -> str:
    value = parse_text(record, column, required=True, max_length=max_length)
    try:
        validate_slug(value)
    except ValidationError:
        raise RowError(
            "invalid_slug",
            _('%(column)s "%(value)s" is not a slug: use letters, digits, hyphens and underscores.')
            % {"column": column, "value": shown(value)},
        ) from None
    return value


def parse_timestamp(record: CsvRecord, column: str, *, required: bool = True) -> dt.datetime | None:
    """Return the timestamp in ``column`` as an aware datetime in UTC, or None for an empty optional cell.

    A timestamp without a UTC offset is rejected, because guessing its zone
    could move an event across the midnight cutoff of an evaluation.
    """
    value = record.cell(column)
    if not value:
        if required:
            raise missing(column)
        return None

    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RowError(
            "invalid_timestamp",
            _('%(column)s "%(value)s" is not an ISO 8601 timestamp such as 2025-03-01T14:05:00+03:00.')
            % {"column": column, "value": shown(value)},
        ) from None

    if moment.utcoffset() is None:
        raise RowError(
            "naive_timestamp",
            _('%(column)s "%(value)s" has no UTC offset: add Z or an offset such as +03:00.')
            % {"column": column, "value": shown(value)},
        )

    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise RowError(
            "invalid_timestamp",
            _('%(column)s "%(value)s" is outside the years 1 to 9999 in UTC.')
            % {"column": column, "value": shown(value)},
        ) from None


def parse_price(record: CsvRecord, column: str) -> Decimal:
    """Return the price in ``column`` as an exact Decimal with at most two decimals."""
    value = record.cell(column)
    if not value:
        raise missing(column)
    try:
        return parse_decimal(value, places=2)
    except ValidationError:
        raise RowError(
            "invalid_price",
            _('%(column)s "%(value)s" is not an amount with at most 2 decimals, such as 12.50.')
            % {"column": column, "value": shown(value)},
        ) from None


def parse_whole_number(record: CsvRecord, column: str) -> int:
    value = record.cell(column)
    if not value:
        raise missing(column)
    try:
        return parse_integer(value)
    except ValidationError:
        raise RowError(
            "invalid_number",
            _('%(column)s "%(value)s" is not a whole number.') % {"column": column, "value": shown(value)},
        ) from None
