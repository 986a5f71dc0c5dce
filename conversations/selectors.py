"""Reads of inquiries for the buyer's list, the seller's inbox and the inquiry page."""

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from conversations.models import Conversation, Message


def _inquiries() -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_related("buyer", "seller", "service")
        .annotate(message_count=Count("messages"), last_message_at=Max("messages__sent_at"))
        .order_by("-last_message_at", "-pk")
    )


def inquiries_of_buyer(buyer) -> QuerySet[Conversation]:
    """Return the inquiries the buyer started, latest activity first."""
    return _inquiries().filter(buyer=buyer)


def inquiries_of_seller(seller) -> QuerySet[Conversation]:
    """Return the seller's inbox, latest activity first."""
    return _inquiries().filter(seller=seller)


def inquiry_for_party(*, user, pk: int) -> Conversation:
    """Return inquiry ``pk`` if ``user`` is its buyer or seller; raise Http404 otherwise."""
    queryset = Conversation.objects.select_related("buyer", "seller", "service")
    return get_object_or_404(queryset.filter(Q(buyer=user) | Q(seller=user)), pk=pk)


def inquiry_messages(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.order_by("sent_at", "pk")
