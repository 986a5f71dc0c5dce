"""Writing accepted rows on PostgreSQL: COPY into a staging table, then one upsert per file.

The ORM path (writing.py) builds a model instance per row and sends each
batch as a multi-row INSERT. Here the rows of a file stream into a TEMP
table with COPY, and a single INSERT ... SELECT resolves the foreign keys by
joining the staging table to the parent tables on external_id.
"""

import dataclasses
from collections.abc import Callable

from django.db import connection
from psycopg import Cursor
from django.db.models import Model
from django.utils import timezone

from conversations.models import Conversation, Message


@dataclasses.dataclass(frozen=True)
class CopyTable:
    """The plan that moves the accepted rows of one file into their model's table.

    ``columns`` maps each field of the file's row type, in order, to its SQL
    type in the staging table ``s``. ``select`` maps model attnames to SQL
    expressions over ``s`` and the tables of ``joins``. An existing row
    (same external_id) is updated only when a ``compared`` column differs,
    so importing the same file again writes nothing, and then its ``touch``
    columns are also set to the values being inserted (``updated_at``, for
    one). Columns missing from ``select`` get the model default on insert.
    ``after`` runs once the upsert is done.
    """

    staging: str
    model: type[Model]
    columns: dict[str, str]
    select: dict[str, str]
    compared: tuple[str, ...]
    joins: str = ""
    touch: tuple[str, ...] = ()
    after: Callable[[Cursor, "CopyTable"], None] | None = None


def model_defaults(model: type[Model], supplied: set[str]) -> dict[str, object]:
    """Return column -> database value for the concrete fields of ``model`` not in ``supplied``.

    auto_now and auto_now_add fields get the current time, as bulk_create gives them.
    """
    now = timezone.now()
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in supplied:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        defaults[field.column] = field.get_db_prep_save(value, connection)
    return defaults


def _upsert_sql(table: CopyTable) -> tuple[str, list]:
    model = table.model
    quote = connection.ops.quote_name
    fields = {field.attname: field for field in model._meta.concrete_fields}
    name = quote(model._meta.db_table)

    defaults = model_defaults(model, set(table.select))
    columns = [quote(fields[attname].column) for attname in table.select]
    columns += [quote(column) for column in defaults]
    values = [*table.select.values(), *(["%s"] * len(defaults))]

    compared = [quote(fields[attname].column) for attname in table.compared]
    touched = [quote(fields[attname].column) for attname in table.touch]
    updates = [f"{column} = EXCLUDED.{column}" for column in compared + touched]
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {table.staging} s {table.joins} ORDER BY s.line "
        f"ON CONFLICT (external_id) DO UPDATE SET {', '.join(updates)} "
        f"WHERE ({', '.join(f'{name}.{column}' for column in compared)}) "
        f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{column}' for column in compared)})"
    )
    return sql, list(defaults.values())


class CopyWriter:
    """Stages the accepted rows of every file with COPY, then upserts them file by file.

    Runs inside the caller's transaction. The upserts wait until every file
    is staged, so the conversations can be inserted with their first reply
    already computed from the staged messages: setting it afterwards would
    rewrite every conversation row.
    """

    def __init__(self, tables: list[CopyTable]):
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        self.tables = tables
        # Every staging table exists even when its file is absent, so that
        # joins to it, such as the first replies, find it empty.
        for table in tables:
            self._create_staging(table)

    def write(self, table: CopyTable, rows: list) -> None:
        with self.cursor.copy(f"COPY {table.staging} ({', '.join(table.columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        """Upsert the staged rows in load order, set the first replies and drop the staging tables."""
        for table in self.tables:
            # A temp table has no statistics until analysed, and the planner
            # then misjudges the sizes of the joins.
            self.cursor.execute(f"ANALYZE {table.staging}")
            sql, params = _upsert_sql(table)
            self.cursor.execute(sql, params)
            if table.after is not None:
                table.after(self.cursor, table)
        update_first_replies(self.cursor)
        for table in self.tables:
            self.cursor.execute(f"DROP TABLE {table.staging}")
        self.cursor.close()

    def _create_staging(self, table: CopyTable) -> None:
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in table.columns.items())
        # ON COMMIT DROP cleans up after a failure too. finish() drops them
        # earlier, because a caller such as a test may keep an outer
        # transaction open across two imports.
        self.cursor.execute(f"DROP TABLE IF EXISTS {table.staging}")
        self.cursor.execute(f"CREATE TEMP TABLE {table.staging} ({columns}) ON COMMIT DROP")


# The earliest seller message of each staged conversation among the staged
# messages, as ``first_reply.sent_at``: on a first import, the final value.
FIRST_REPLY_JOIN = f"""
    LEFT JOIN (
        SELECT message.conversation_id, min(message.sent_at) AS sent_at
        FROM import_messages message
        JOIN import_conversations conversation ON conversation.external_id = message.conversation_id
        WHERE message.sender = '{Message.Sender.SELLER.value}' AND message.sent_at >= conversation.started_at
        GROUP BY message.conversation_id
    ) first_reply ON first_reply.conversation_id = s.external_id
"""


def update_first_replies(cursor) -> None:
    """Set first_reply_at of each imported conversation to the time of its earliest seller message.

    Messages stored before the start are skipped: an import rejects them, but
    messages saved by an earlier import stay when a later one moves
    started_at past them. Only values that differ from those the upsert
    wrote are updated, so after a first import this only reads.
    """
    conversations = Conversation._meta.db_table
    messages = Message._meta.db_table
    cursor.execute(
        f"""
        UPDATE {conversations} c SET first_reply_at = earliest.sent_at
        FROM (
            SELECT conversation.id, min(message.sent_at) AS sent_at
            FROM import_conversations s
            JOIN {conversations} conversation ON conversation.external_id = s.external_id
            LEFT JOIN {messages} message ON message.conversation_id = conversation.id
                AND message.sender = %s AND message.sent_at >= conversation.started_at
            GROUP BY conversation.id
        ) earliest
        WHERE c.id = earliest.id AND c.first_reply_at IS DISTINCT FROM earliest.sent_at
        """,
        [Message.Sender.SELLER.value],
    )
