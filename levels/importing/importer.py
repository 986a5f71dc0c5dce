"""Import of a directory of marketplace history: the file loop and its transaction."""

import logging
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from .catalog import SERVICES
from .copying import CopyWriter
from .inquiries import CONVERSATIONS, MESSAGES, update_first_replies
from .people import USERS
from .reading import CsvRecord, RowError, parse_id, read_columns, read_records
from .report import ImportFailed, ImportReport
from .sales import ORDERS, REVIEWS
from .state import FileFormat, ImportState
from .writing import BATCH_SIZE

logger = logging.getLogger(__name__)

# In load order: each file refers only to ids of the files before it.
FORMATS = (USERS, SERVICES, ORDERS, REVIEWS, CONVERSATIONS, MESSAGES)


def import_directory(directory: Path | str, *, progress: bool = False,
                     use_copy: bool | None = None) -> ImportReport:
    """Load the CSV files in ``directory`` and return the rows saved and rejected.

    Rows are matched on their id, so importing the same directory again
    changes nothing. Invalid rows are rejected one by one and the valid rows
    are saved. Raises ImportFailed, with nothing saved, when users.csv is
    missing, a header lacks a column or the database rejects a write.

    ``use_copy`` selects the PostgreSQL path of copying.py (COPY and one
    upsert per file) over the ORM path of writing.py. By default it is used
    whenever the database is PostgreSQL. Both save the same rows.
    """
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    directory = Path(directory)
    present = _present_formats(directory)
    columns = {file_format.name: read_columns(directory / file_format.name, file_format.columns)
               for file_format in present}
    logger.info("Importing %s from %s", ", ".join(columns), directory)

    state = ImportState()
    # One transaction for the whole directory, because a half-imported
    # history (orders without their reviews, inquiries without replies) would
    # give wrong levels to a nightly evaluation that ran in between. If the
    # import fails, the database is as before and the import can simply run
    # again. Rejected rows do not abort it: they are reported.
    try:
        with transaction.atomic():
            writer = CopyWriter([file_format.copy_table for file_format in FORMATS]) if use_copy else None
            for file_format in present:
                _load_file(directory, file_format, columns[file_format.name], state, writer, progress=progress)
            if writer is not None:
                writer.finish()
            else:
                update_first_replies(list(state.keys.conversations.values()))
    except DatabaseError as error:
        logger.exception("Import of %s rolled back", directory)
        raise ImportFailed(
            _("The database rejected the import, so nothing was saved: %(error)s") % {"error": error}
        ) from error

    state.report.sort_rejections()
    logger.info("%s", state.report.summary())
    return state.report


def _present_formats(directory: Path) -> list[FileFormat]:
    if not directory.is_dir():
        raise ImportFailed(_("%(path)s is not a directory.") % {"path": directory})
    if not (directory / USERS.name).is_file():
        raise ImportFailed(
            _("%(path)s has no users.csv, the one file every import needs.") % {"path": directory}
        )
    return [file_format for file_format in FORMATS if (directory / file_format.name).is_file()]


def _load_file(directory: Path, file_format: FileFormat, columns: dict[str, int], state: ImportState,
               writer: CopyWriter | None, *, progress: bool) -> None:
    """Parse the rows of one file and save the valid ones in batches of BATCH_SIZE.

    With ``writer`` the batches go to its staging table, to be upserted
    once every file is read.
    """
    first_lines: dict[str, int] = {}
    batch = []
    saved = 0

    def save(batch: list) -> int:
        accepted = file_format.accept_batch(batch, state)
        if writer is not None:
            writer.write(file_format.copy_table, accepted)
        else:
            file_format.save_batch(accepted, state)
        return len(accepted)

    for record in read_records(directory / file_format.name, columns, progress=progress):
        row = _parse_record(record, file_format, first_lines, state)
        if row is not None:
            batch.append(row)
        if len(batch) >= BATCH_SIZE:
            saved += save(batch)
            batch = []
    if batch:
        saved += save(batch)

    state.report.saved[file_format.name] = saved
    rejected = sum(1 for rejection in state.report.rejections if rejection.file == file_format.name)
    logger.info("%s: saved %s rows, rejected %s", file_format.name, saved, rejected)


def _parse_record(record: CsvRecord, file_format: FileFormat, first_lines: dict[str, int],
                  state: ImportState) -> tuple | None:
    """Return the parsed row, or None after recording in ``state`` why it was rejected."""
    if record.error is not None:
        state.reject(file_format.name, record.line, _readable_id(record), record.error)
        return None

    try:
        external_id = parse_id(record, "id")
    except RowError as error:
        state.reject(file_format.name, record.line, None, error)
        return None

    # A repeated id is rejected without marking the id itself as rejected:
    # rows of later files may still refer to its first row.
    first_line = first_lines.setdefault(external_id, record.line)
    if first_line != record.line:
        error = RowError(
            "duplicate_id",
            _('id "%(value)s" already appears on line %(line)s.') % {"value": external_id, "line": first_line},
        )
        state.reject(file_format.name, record.line, None, error)
        return None

    try:
        return file_format.parse_row(record, state)
    except RowError as error:
        state.reject(file_format.name, record.line, external_id, error)
        return None


def _readable_id(record: CsvRecord) -> str | None:
    """Return the id cell of a malformed row, if any, so rows referring to it name it as rejected."""
    position = record.columns["id"]
    if position < len(record.cells):
        return record.cells[position].strip() or None
    return None
