"""Writes on inquiries: a buyer starts one, and both parties send messages."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from conversations.models import Conversation, Message
from marketplace import clock
from sellers.models import SellerProfile

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 5000


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")}, code="required")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep the message under %(max)s characters.")},
            code="max_length", params={"max": MESSAGE_MAX_LENGTH},
        )
    return body


def sender_of(conversation: Conversation, user) -> str | None:
    """Return Message.Sender.BUYER or SELLER for ``user``, or None when not a party."""
    if user.pk == conversation.buyer_id:
        return Message.Sender.BUYER
    if user.pk == conversation.seller_id:
        return Message.Sender.SELLER
    return None


def inquiry_start(*, buyer, seller, service=None, body: str) -> Conversation:
    """Start an inquiry from ``buyer`` to ``seller`` with its first message.

    ``service``, when given, is the service the buyer asks about and must
    belong to ``seller``.
    """
    body = _clean_body(body)
    if buyer.pk == seller.pk:
        raise ValidationError(_("You cannot send an inquiry to yourself."), code="own_inquiry")
    if not SellerProfile.objects.filter(user_id=seller.pk).exists():
        raise ValidationError(_("This user does not sell services."), code="not_a_seller")
    if service is not None and service.seller_id != seller.pk:
        raise ValidationError(_("The service belongs to another seller."), code="wrong_seller")

    now = clock.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            buyer=buyer, seller=seller, service=service, started_at=now,
        )
        Message.objects.create(
            conversation=conversation, sender=Message.Sender.BUYER, body=body, sent_at=now,
        )

    logger.info("Inquiry %s started by buyer %s to seller %s", conversation.pk, buyer.pk, seller.pk)
    return conversation


def message_send(*, conversation: Conversation, sender_user, body: str) -> Message:
    """Add a message from one party of ``conversation``.

    The seller's first message also sets ``first_reply_at`` in the same
    transaction, under a lock on the inquiry row, so two first replies sent
    at once still leave the earlier one recorded.
    """
    body = _clean_body(body)

    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        sender = sender_of(conversation, sender_user)
        if sender is None:
            raise ValidationError(
                _("Only the buyer and the seller of an inquiry can write in it."), code="not_a_party",
            )

        now = clock.now()
        message = Message.objects.create(
            conversation=conversation, sender=sender, body=body, sent_at=now,
        )
        if sender == Message.Sender.SELLER and conversation.first_reply_at is None:
            conversation.first_reply_at = now
            conversation.save(update_fields=["first_reply_at"])

    logger.info("Message %s sent in inquiry %s by the %s", message.pk, conversation.pk, sender)
    return message
