"""conversations.csv and messages.csv: buyer inquiries and the seller's first reply to each."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from conversations.models import Conversation, Message

from .reading import CsvRecord, RowError, parse_choice, parse_text, parse_timestamp, shown
from .state import FileFormat, ImportState, ParsedRow
from .writing import chunked, save_changed

CONVERSATIONS_FILE = "conversations.csv"
MESSAGES_FILE = "messages.csv"
SENDERS = tuple(Message.Sender.values)


def parse_conversation(record: CsvRecord, state: ImportState) -> ParsedRow:
    seller_pk = state.resolve_seller(record, "seller_id")
    buyer_pk = state.resolve(record, "buyer_id", "users.csv", state.users)
    if buyer_pk == seller_pk:
        raise RowError(
            "buyer_is_seller",
            _('buyer_id "%(value)s" is also the seller_id: nobody can write an inquiry to themself.')
            % {"value": shown(record.cell("buyer_id"))},
        )
    started_at = parse_timestamp(record, "started_at")

    conversation = Conversation(
        external_id=record.cell("id"),
        seller_id=seller_pk,
        buyer_id=buyer_pk,
        started_at=started_at,
    )
    return ParsedRow(record.line, conversation)


def save_conversations(rows: list[ParsedRow], state: ImportState) -> list[ParsedRow]:
    # A changed conversation is written with first_reply_at = None, because a
    # later started_at could break the check that the reply follows the start.
    # update_first_replies sets it again once the messages are saved.
    save_changed(
        Conversation, [row.instance for row in rows], ("seller", "buyer", "started_at"),
        touch=("first_reply_at",),
    )

    for row in rows:
        conversation = row.instance
        state.conversations[conversation.external_id] = (conversation.pk, conversation.started_at)
    return rows


def parse_message(record: CsvRecord, state: ImportState) -> ParsedRow:
    conversation_pk, started_at = state.resolve(
        record, "conversation_id", CONVERSATIONS_FILE, state.conversations,
    )
    sender = parse_choice(record, "sender", SENDERS)
    sent_at = parse_timestamp(record, "sent_at")
    if sent_at < started_at:
        raise RowError(
            "message_before_conversation",
            _('sent_at "%(sent)s" is before the start of conversation %(conversation)s at %(started)s.')
            % {
                "sent": record.cell("sent_at"),
                "conversation": shown(record.cell("conversation_id")),
                "started": started_at.isoformat(),
            },
        )
    body = parse_text(record, "body", required=True)

    message = Message(
        external_id=record.cell("id"),
        conversation_id=conversation_pk,
        sender=sender,
        body=body,
        sent_at=sent_at,
    )
    return ParsedRow(record.line, message)


def save_messages(rows: list[ParsedRow], state: ImportState) -> list[ParsedRow]:
    save_changed(Message, [row.instance for row in rows], ("conversation", "sender", "body", "sent_at"))
    return rows


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
    save_batch=save_conversations,
)

MESSAGES = FileFormat(
    name=MESSAGES_FILE,
    columns=("id", "conversation_id", "sender", "sent_at", "body"),
    parse_row=parse_message,
    save_batch=save_messages,
)
