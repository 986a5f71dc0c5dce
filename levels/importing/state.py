"""Shared state of one import: the ids saved so far, the rejected ids and the report."""

import dataclasses
import datetime as dt
from collections.abc import Callable, Container
from typing import NamedTuple

from django.utils.translation import gettext as _

from .copying import CopyTable
from .reading import CsvRecord, RowError, parse_id, shown
from .report import FILE_ORDER, ImportReport, Rejection


@dataclasses.dataclass
class SavedKeys:
    """Primary keys of the rows the ORM path saved, by external id, to fill foreign keys."""

    users: dict[str, int] = dataclasses.field(default_factory=dict)
    # services.csv id -> (Service pk, seller's User pk).
    services: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    # orders.csv id -> (Order pk, seller's User pk).
    orders: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    conversations: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ImportState:
    """External ids of the rows accepted so far, by file, so later files can refer to them.

    Rows may refer only to ids in the files of the same import, never to rows
    already in the database, so one directory always imports the same way.
    The maps hold external ids, not primary keys, so validation is the same
    whichever way the rows are then written.
    NOTE: the maps keep every accepted id in memory, an estimated 150 bytes
    per row: fine for millions of rows, too much for hundreds of millions.
    """

    report: ImportReport = dataclasses.field(default_factory=ImportReport)
    # users.csv ids, and those with is_seller=1.
    users: set[str] = dataclasses.field(default_factory=set)
    seller_ids: set[str] = dataclasses.field(default_factory=set)
    # username -> (users.csv id, line) of the row that took it, so a second
    # row with the same username is rejected.
    usernames: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    # Category slug -> pk, for the categories services.csv names.
    categories: dict[str, int] = dataclasses.field(default_factory=dict)
    # services.csv id -> users.csv id of its seller.
    services: dict[str, str] = dataclasses.field(default_factory=dict)
    # orders.csv ids.
    orders: set[str] = dataclasses.field(default_factory=set)
    # orders.csv id -> (reviews.csv id, line) of the review accepted for it.
    reviewed_orders: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    # conversations.csv id -> started_at.
    conversations: dict[str, dt.datetime] = dataclasses.field(default_factory=dict)
    rejected_ids: dict[str, set[str]] = dataclasses.field(
        default_factory=lambda: {name: set() for name in FILE_ORDER}
    )
    # Filled by the ORM path only.
    keys: SavedKeys = dataclasses.field(default_factory=SavedKeys)

    def reject(self, file: str, line: int, external_id: str | None, error: RowError) -> None:
        self.report.rejections.append(Rejection(file, line, error.code, error.message))
        if external_id:
            self.rejected_ids[file].add(external_id)

    def resolve(self, record: CsvRecord, column: str, file: str, saved: Container[str]) -> str:
        """Return the id in ``column``, which must be in ``saved``: the accepted ids of ``file``.

        Raises RowError when that row was rejected or is not in the file.
        """
        external_id = parse_id(record, column)
        if external_id in saved:
            return external_id

        params = {"column": column, "value": shown(external_id), "file": file}
        if external_id in self.rejected_ids[file]:
            raise RowError(
                "rejected_reference",
                _('%(column)s "%(value)s" refers to a row of %(file)s that was rejected.') % params,
            )
        raise RowError("unknown_reference", _('%(column)s "%(value)s" is not an id in %(file)s.') % params)

    def resolve_seller(self, record: CsvRecord, column: str) -> str:
        """Return the users.csv id in ``column``, which must have is_seller=1."""
        external_id = self.resolve(record, column, "users.csv", self.users)
        if external_id not in self.seller_ids:
            raise RowError(
                "not_a_seller",
                _('%(column)s "%(value)s" is not a seller: users.csv has is_seller=0 for this user.')
                % {"column": column, "value": shown(external_id)},
            )
        return external_id


@dataclasses.dataclass(frozen=True)
class FileFormat:
    """The validation and write steps of one file of the import.

    ``parse_row`` returns a row (a NamedTuple whose first two fields are
    ``line`` and ``external_id``, references being external ids) or raises
    RowError, without queries. ``accept_batch`` rejects through
    ``state.reject`` the rows that only a database lookup shows to be
    invalid, records the accepted ids in the state and returns the accepted
    rows. ``save_batch`` writes accepted rows through the ORM, filling the
    foreign keys from ``state.keys``; ``copy_table`` writes them on PostgreSQL.
    """

    name: str
    columns: tuple[str, ...]
    parse_row: Callable[[CsvRecord, ImportState], NamedTuple]
    accept_batch: Callable[[list, ImportState], list]
    save_batch: Callable[[list, ImportState], None]
    copy_table: CopyTable
