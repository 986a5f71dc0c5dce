"""Inquiries: starting one, replying, and the seller's first reply time."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from conversations.models import Conversation, Message
from conversations.services import inquiry_start, message_send
from tests.factories import BASE_TIME, ServiceFactory, UserFactory, seller

pytestmark = pytest.mark.django_db


def start(buyer=None, service=None):
    service = service or ServiceFactory()
    with time_machine.travel(BASE_TIME, tick=False):
        return inquiry_start(
            buyer=buyer or UserFactory(), seller=service.seller, service=service, body="هل يمكنك المساعدة؟",
        )


def test_start_creates_conversation_and_first_message():
    conversation = start()

    assert conversation.started_at == BASE_TIME
    assert conversation.first_reply_at is None
    message = conversation.messages.get()
    assert message.sender == Message.Sender.BUYER
    assert message.sent_at == BASE_TIME


def test_start_to_self_rejected():
    service = ServiceFactory()

    with pytest.raises(ValidationError):
        inquiry_start(buyer=service.seller, seller=service.seller, service=service, body="hi")
    assert not Conversation.objects.exists()


def test_start_to_non_seller_rejected():
    with pytest.raises(ValidationError):
        inquiry_start(buyer=UserFactory(), seller=UserFactory(), body="hi")


def test_start_with_other_sellers_service_rejected():
    with pytest.raises(ValidationError):
        inquiry_start(buyer=UserFactory(), seller=seller(), service=ServiceFactory(), body="hi")


def test_start_empty_body_rejected():
    service = ServiceFactory()

    with pytest.raises(ValidationError) as raised:
        inquiry_start(buyer=UserFactory(), seller=service.seller, service=service, body="  ")

    assert "body" in raised.value.message_dict


def test_seller_first_reply_sets_first_reply_at():
    conversation = start()
    later = BASE_TIME + dt.timedelta(hours=3)

    with time_machine.travel(later, tick=False):
        message_send(conversation=conversation, sender_user=conversation.seller, body="نعم")

    conversation.refresh_from_db()
    assert conversation.first_reply_at == later


def test_second_seller_reply_keeps_first_reply_at():
    conversation = start()
    first = BASE_TIME + dt.timedelta(hours=1)
    with time_machine.travel(first, tick=False):
        message_send(conversation=conversation, sender_user=conversation.seller, body="1")
    with time_machine.travel(first + dt.timedelta(hours=5), tick=False):
        message_send(conversation=conversation, sender_user=conversation.seller, body="2")

    conversation.refresh_from_db()
    assert conversation.first_reply_at == first


def test_buyer_message_leaves_first_reply_at_empty():
    conversation = start()

    message = message_send(conversation=conversation, sender_user=conversation.buyer, body="ping")

    conversation.refresh_from_db()
    assert message.sender == Message.Sender.BUYER
    assert conversation.first_reply_at is None


def test_stranger_cannot_write():
    conversation = start()

    with pytest.raises(ValidationError):
        message_send(conversation=conversation, sender_user=UserFactory(), body="hi")
    assert conversation.messages.count() == 1


def test_overlong_message_rejected():
    conversation = start()

    with pytest.raises(ValidationError):
        message_send(conversation=conversation, sender_user=conversation.buyer, body="x" * 5001)
