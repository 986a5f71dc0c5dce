"""conversations.csv and messages.csv: buyer inquiries and the seller's first reply to each."""

import datetime as dt
from typing import NamedTuple

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from conversations.models import Conversation, Message

from .copying import FIRST_REPLY_JOIN, CopyTable
from .reading import CsvRecord, RowError, parse_choice, parse_text, parse_timestamp, shown
from .state import FileFormat, ImportState
from .writing import chunked, save_changed

CONVERSATIONS_FILE = "conversations.csv"
MESSAGES_FILE = "messages.csv"
SENDERS = tuple(Message.Sender.values)


class ConversationRow(NamedTuple):
    line: int
    external_id: str
    seller_id: str
    buyer_id: str
    started_at: dt.datetime


class MessageRow(NamedTuple):
    line: int
    external_id: str
    conversation_id: str
    sender: str
    sent_at: dt.datetime
    body: str


def parse_conversation(record: CsvRecord, state: ImportState) -> ConversationRow:
    seller_id = state.resolve_seller(record, "seller_id")
    buyer_id = state.resolve(record, "buyer_id", "users.csv", state.users)
    if buyer_id == seller_id:
        raise RowError(
            "buyer_is_seller",
            _('buyer_id "%(value)s" is also the seller_id: nobody can write an inquiry to themself.')
            % {"value": shown(buyer_id)},
        )
    started_at = parse_timestamp(record, "started_at")
    return ConversationRow(record.line, record.cell("id"), seller_id, buyer_id, started_at)


def accept_conversations(rows: list[ConversationRow], state: ImportState) -> list[ConversationRow]:
    for row in rows:
        state.conversations[row.external_id] = row.started_at
    return rows


def save_conversations(rows: list[ConversationRow], state: ImportState) -> None:
    conversations = [
        Conversation(
            external_id=row.external_id,
            seller_id=state.keys.users[row.seller_id],
            buyer_id=state.keys.users[row.buyer_id],
            started_at=row.started_at,
        )
        for row in rows
    ]
    # A changed conversation is written with first_reply_at = None, because a
    # later started_at could break the check that the reply follows the start.
    # update_first_replies sets it again once the messages are saved.
    save_changed(Conversation, conversations, ("seller", "buyer", "started_at"), touch=("first_reply_at",))

    for conversation in conversations:
        state.keys.conversations[conversation.external_id] = conversation.pk


def parse_message(record: CsvRecord, state: ImportState) -> MessageRow:
    conversation_id = state.resolve(record, "conversation_id", CONVERSATIONS_FILE, state.conversations)
    started_at = state.conversations[conversation_id]
    sender = parse_choice(record, "sender", SENDERS)
    sent_at = parse_timestamp(record, "sent_at")
    if sent_at < started_at:
        raise RowError(
            "message_before_conversation",
            _('sent_at "%(sent)s" is before the start of conversation %(conversation)s at %(started)s.')
            % {
                "sent": record.cell("sent_at"),
                "conversation": shown(conversation_id),
                "started": started_at.isoformat(),
            },
        )
    body = parse_text(record, "body", required=True)
    return MessageRow(record.line, record.cell("id"), conversation_id, sender, sent_at, body)


def accept_messages(rows: list[MessageRow], state: ImportState) -> list[MessageRow]:
    return rows


def save_messages(rows: list[MessageRow], state: ImportState) -> None:
    messages = [
        Message(
            external_id=row.external_id,
            conversation_id=state.keys.conversations[row.conversation_id],
            sender=row.sender,
            body=row.body,
            sent_at=row.sent_at,
        )
        for row in rows
    ]
    save_changed(Message, messages, ("conversation", "sender", "body", "sent_at"))


def update_first_replies(conversation_pks: list[int]) -> None:
    """Set first_reply_at of each conversation to the time of its earliest seller message.

    One UPDATE per batch of conversations. Messages stored before the start
    are skipped: an import rejects them, but messages saved by an earlier
    import stay when a later one moves started_at past them.
    """
    earliest_reply = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            sender=Message.Sender.SELLER,
            sent_at__gte=OuterRef("started_at"),
        )
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    for batch in chunked(conversation_pks):
        Conversation.objects.filter(pk__in=batch).update(first_reply_at=Subquery(earliest_reply))


CONVERSATIONS = FileFormat(
    name=CONVERSATIONS_FILE,
    columns=("id", "seller_id", "buyer_id", "started_at"),
    parse_row=parse_conversation,
    accept_batch=accept_conversations,
    save_batch=save_conversations,
    copy_table=CopyTable(
        staging="import_conversations",
        model=Conversation,
        columns={
            "line": "integer", "external_id": "text", "seller_id": "text", "buyer_id": "text",
            "started_at": "timestamptz",
        },
        joins=(
            f"JOIN {User._meta.db_table} seller ON seller.external_id = s.seller_id "
            f"JOIN {User._meta.db_table} buyer ON buyer.external_id = s.buyer_id "
            f"{FIRST_REPLY_JOIN}"
        ),
        select={
            "external_id": "s.external_id", "seller_id": "seller.id", "buyer_id": "buyer.id",
            "started_at": "s.started_at", "first_reply_at": "first_reply.sent_at",
        },
        compared=("seller_id", "buyer_id", "started_at"),
        # As in save_conversations, a changed conversation gets a first reply
        # that cannot precede its start, here from the staged messages, and
        # update_first_replies in copying.py corrects it for stored messages.
        touch=("first_reply_at",),
    ),
)

MESSAGES = FileFormat(
    name=MESSAGES_FILE,
    columns=("id", "conversation_id", "sender", "sent_at", "body"),
    parse_row=parse_message,
    accept_batch=accept_messages,
    save_batch=save_messages,
    copy_table=CopyTable(
        staging="import_messages",
        model=Message,
        columns={
            "line": "integer", "external_id": "text", "conversation_id": "text", "sender": "text",
            "sent_at": "timestamptz", "body": "text",
        },
        joins=(
            f"JOIN {Conversation._meta.db_table} conversation "
            "ON conversation.external_id = s.conversation_id"
        ),
        select={
            "external_id": "s.external_id", "conversation_id": "conversation.id", "sender": "s.sender",
            "sent_at": "s.sent_at", "body": "s.body",
        },
        compared=("conversation_id", "sender", "body", "sent_at"),
    ),
)
