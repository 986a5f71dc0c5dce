"""Shared state of one import: the ids saved so far, the rejected ids and the report."""

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.db.models import Model
from django.utils.translation import gettext as _

from .reading import CsvRecord, RowError, parse_id, shown
from .report import FILE_ORDER, ImportReport, Rejection


@dataclasses.dataclass(slots=True)
class ParsedRow:
    """A valid row waiting to be written with its batch; ``instance`` has no pk yet."""

    line: int
    instance: Model


@dataclasses.dataclass
class ImportState:
    """Ids of the rows saved so far, by file, so later files can refer to them.

    Rows may refer only to ids in the files of the same import, never to rows
    already in the database, so one directory always imports the same way.
    NOTE: the maps keep every saved id in memory, an estimated 200 bytes per
    row: fine for millions of rows, too much for hundreds of millions.
    """

    report: ImportReport = dataclasses.field(default_factory=ImportReport)
    # users.csv id -> User pk, and the ids with is_seller=1.
    users: dict[str, int] = dataclasses.field(default_factory=dict)
    seller_ids: set[str] = dataclasses.field(default_factory=set)
    # username -> (users.csv id, line) of the row that took it, so a second
    # row with the same username is rejected.
    usernames: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    # Category slug -> pk, for the categories services.csv names.
    categories: dict[str, int] = dataclasses.field(default_factory=dict)
    # services.csv id -> (Service pk, seller's User pk).
    services: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    # orders.csv id -> (Order pk, seller's User pk).
    orders: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    # Order pk -> (reviews.csv id, line) of the review saved for it.
    reviewed_orders: dict[int, tuple[str, int]] = dataclasses.field(default_factory=dict)
    # conversations.csv id -> (Conversation pk, started_at).
    conversations: dict[str, tuple[int, dt.datetime]] = dataclasses.field(default_factory=dict)
    rejected_ids: dict[str, set[str]] = dataclasses.field(
        default_factory=lambda: {name: set() for name in FILE_ORDER}
    )

    def reject(self, file: str, line: int, external_id: str | None, error: RowError) -> None:
        self.report.rejections.append(Rejection(file, line, error.code, error.message))
        if external_id:
            self.rejected_ids[file].add(external_id)

    def resolve(self, record: CsvRecord, column: str, file: str, saved: dict):
        """Return ``saved[id]`` for the id in ``column``, which refers to a row of ``file``.

        Raises RowError when that row was rejected or is not in the file.
        """
        external_id = parse_id(record, column)
        found = saved.get(external_id)
        if found is not None:
            return found

        params = {"column": column, "value": shown(external_id), "file": file}
        if external_id in self.rejected_ids[file]:
            raise RowError(
                "rejected_reference",
                _('%(column)s "%(value)s" refers to a row of %(file)s that was rejected.') % params,
            )
        raise RowError("unknown_reference", _('%(column)s "%(value)s" is not an id in %(file)s.') % params)

    def resolve_seller(self, record: CsvRecord, column: str) -> int:
        """Return the User pk of the seller in ``column``, who must have is_seller=1 in users.csv."""
        user_pk = self.resolve(record, column, "users.csv", self.users)
        external_id = record.cell(column)
        if external_id not in self.seller_ids:
            raise RowError(
                "not_a_seller",
                _('%(column)s "%(value)s" is not a seller: users.csv has is_seller=0 for this user.')
                % {"column": column, "value": shown(external_id)},
            )
        return user_pk


@dataclasses.dataclass(frozen=True)
class FileFormat:
    """The validation and write steps of one file of the import.

    ``parse_row`` returns a ParsedRow or raises RowError, without queries.
    ``save_batch`` writes a batch, rejecting through ``state.reject`` the rows
    that only a database lookup shows to be invalid, records the saved ids in
    the state and returns the rows it saved.
    """

    name: str
    columns: tuple[str, ...]
    parse_row: Callable[[CsvRecord, ImportState], ParsedRow]
    save_batch: Callable[[list[ParsedRow], ImportState], list[ParsedRow]]
