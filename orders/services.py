"""Writes on orders: placing one, its life cycle, and the buyer's review.

Every transition locks the order row first, so two requests (a delivery and a
cancellation, say) are applied one after the other and the second one reads
the state the first one left.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from marketplace import clock
from orders.models import Order, Review
from services.models import Service

logger = logging.getLogger(__name__)

DELIVER = "deliver"
COMPLETE = "complete"
CANCEL = "cancel"
REVIEW = "review"

CANCEL_REASON_MAX_LENGTH = 2000
REVIEW_COMMENT_MAX_LENGTH = 4000


def party_of(order: Order, user) -> str | None:
    """Return Order.Party.BUYER or SELLER for ``user`` on ``order``, or None."""
    if user.pk == order.buyer_id:
        return Order.Party.BUYER
    if user.pk == order.seller_id:
        return Order.Party.SELLER
    return None


def transition_error(order: Order, user, action: str) -> str | None:
    """Return why ``user`` may not apply ``action`` to ``order`` now, or None if allowed.

    The same check guards the writes below and decides which buttons the
    order page shows, so a page never offers what the write would reject.
    ``order.review`` is read for REVIEW, so callers select it with the order.
    """
    party = party_of(order, user)
    if party is None:
        return _("Only the buyer and the seller of an order can change it.")

    if action == DELIVER:
        if party != Order.Party.SELLER:
            return _("Only the seller can deliver an order.")
        if order.status != Order.Status.OPEN:
            return _("Only an open order can be delivered.")
    elif action == COMPLETE:
        if party != Order.Party.BUYER:
            return _("Only the buyer can complete an order.")
        if order.status != Order.Status.DELIVERED:
            return _("An order can be completed only after the seller delivers it.")
    elif action == CANCEL:
        if order.status == Order.Status.COMPLETED:
            return _("A completed order can no longer be cancelled.")
        if order.status == Order.Status.CANCELLED:
            return _("This order is already cancelled.")
    elif action == REVIEW:
        if party != Order.Party.BUYER:
            return _("Only the buyer can review an order.")
        if order.status != Order.Status.COMPLETED:
            return _("An order can be reviewed only after it is completed.")
        if _has_review(order):
            return _("This order already has a review.")
    else:
        raise ValueError(f"unknown order action {action!r}")
    return None


def allowed_actions(order: Order, user) -> set[str]:
    """Return the actions ``user`` may apply to ``order`` now."""
    return {
        action for action in (DELIVER, COMPLETE, CANCEL, REVIEW)
        if transition_error(order, user, action) is None
    }


def _has_review(order: Order) -> bool:
    try:
        order.review
    except Review.DoesNotExist:
        return False
    return True


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _check(order: Order, user, action: str) -> None:
    error = transition_error(order, user, action)
    if error is not None:
        raise ValidationError(error, code=f"cannot_{action}")


def order_place(*, buyer, service: Service) -> Order:
    """Place an order for ``service`` at its current price.

    The service row is locked so the price and status read here are the ones
    in force when the order is written. Raises ValidationError when the
    service is not active or the buyer is its seller.
    """
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        if service.seller_id == buyer.pk:
            raise ValidationError(_("You cannot order your own service."), code="own_service")
        if service.status != Service.Status.ACTIVE:
            raise ValidationError(
                _("This service is not available for ordering right now."), code="service_inactive",
            )

        order = Order.objects.create(
            service=service,
            seller_id=service.seller_id,
            buyer=buyer,
            price=service.price,
            created_at=clock.now(),
        )

    logger.info("Order %s placed by buyer %s for service %s", order.pk, buyer.pk, service.pk)
    return order


def order_deliver(*, order: Order, actor) -> Order:
    """Mark ``order`` delivered by its seller."""
    with transaction.atomic():
        order = _locked(order)
        _check(order, actor, DELIVER)
        order.status = Order.Status.DELIVERED
        order.delivered_at = clock.now()
        order.save(update_fields=["status", "delivered_at"])

    logger.info("Order %s delivered", order.pk)
    return order


def order_complete(*, order: Order, actor) -> Order:
    """Mark a delivered ``order`` completed by its buyer."""
    with transaction.atomic():
        order = _locked(order)
        _check(order, actor, COMPLETE)
        order.status = Order.Status.COMPLETED
        order.completed_at = clock.now()
        order.save(update_fields=["status", "completed_at"])

    logger.info("Order %s completed", order.pk)
    return order


def order_cancel(*, order: Order, actor, reason: str) -> Order:
    """Cancel ``order`` on behalf of its buyer or seller, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter the reason for the cancellation.")}, code="required")
    if len(reason) > CANCEL_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)s characters.")},
            code="max_length", params={"max": CANCEL_REASON_MAX_LENGTH},
        )

    with transaction.atomic():
        order = _locked(order)
        _check(order, actor, CANCEL)
        order.status = Order.Status.CANCELLED
        order.cancelled_at = clock.now()
        order.cancelled_by = party_of(order, actor)
        order.cancel_reason = reason
        order.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])

    logger.info("Order %s cancelled by the %s", order.pk, order.cancelled_by)
    return order


def review_create(*, order: Order, actor, rating: int, comment: str = "") -> Review:
    """Record the buyer's one review of a completed order."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("A rating is a whole number from 1 to 5.")}, code="invalid")
    comment = (comment or "").strip()
    if len(comment) > REVIEW_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep the comment under %(max)s characters.")},
            code="max_length", params={"max": REVIEW_COMMENT_MAX_LENGTH},
        )

    try:
        with transaction.atomic():
            order = Order.objects.select_for_update(of=("self",)).select_related("review").get(pk=order.pk)
            _check(order, actor, REVIEW)
            review = Review.objects.create(
                order=order,
                seller_id=order.seller_id,
                rating=rating,
                comment=comment,
                created_at=clock.now(),
            )
    except IntegrityError:
        # The order lock makes a second review unlikely, and the one-to-one key is the last guard.
        raise ValidationError(_("This order already has a review."), code="cannot_review") from None

    logger.info("Review %s of order %s created", review.pk, order.pk)
    return review
