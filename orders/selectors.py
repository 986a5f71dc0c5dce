"""Reads of orders for the buyer's and the seller's pages."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from orders.models import Order


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("service", "buyer", "seller", "review")


def orders_of_buyer(buyer) -> QuerySet[Order]:
    """Return the buyer's orders, newest first."""
    return _orders().filter(buyer=buyer).order_by("-created_at", "-pk")


def orders_of_seller(seller) -> QuerySet[Order]:
    """Return the orders placed with the seller, newest first."""
    return _orders().filter(seller=seller).order_by("-created_at", "-pk")


def order_for_party(*, user, pk: int) -> Order:
    """Return order ``pk`` if ``user`` is its buyer or seller; raise Http404 otherwise.

    A stranger gets the same 404 as for a missing order, so order numbers
    reveal nothing.
    """
    return get_object_or_404(_orders().filter(Q(buyer=user) | Q(seller=user)), pk=pk)
