"""Staff exclusions of orders, reviews and inquiries from the level metrics, and sellers' requests for them.

Each write locks its row, changes it and records a level event naming the
staff member, all in one transaction. The metric queries skip excluded rows,
so an exclusion takes effect at the next evaluation of the seller.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from conversations.models import Conversation
from levels.evaluation import policy_snapshot
from levels.models import ExclusionRequest, LevelEvent
from levels.policy import current_policy
from marketplace import clock
from orders.models import Order, Review
from sellers.models import SellerProfile

logger = logging.getLogger(__name__)

# The object type stored in the details of exclusion events.
OBJECT_TYPES = {Order: "order", Review: "review", Conversation: "inquiry"}


def order_exclude(*, order: Order, reason: str, actor, request: ExclusionRequest | None = None) -> Order:
    """Exclude ``order`` (and so its review) from the metrics of its seller."""
    return _exclude(order, reason=reason, actor=actor, request=request)


def order_include(*, order: Order, reason: str, actor) -> Order:
    """Undo the exclusion of ``order``."""
    return _include(order, reason=reason, actor=actor)


def review_exclude(*, review: Review, reason: str, actor) -> Review:
    """Exclude ``review`` from the rating of its seller."""
    return _exclude(review, reason=reason, actor=actor)


def review_include(*, review: Review, reason: str, actor) -> Review:
    """Undo the exclusion of ``review``."""
    return _include(review, reason=reason, actor=actor)


def conversation_exclude(*, conversation: Conversation, reason: str, actor,
                         request: ExclusionRequest | None = None) -> Conversation:
    """Exclude the inquiry ``conversation`` from the contact success and response time of its seller."""
    return _exclude(conversation, reason=reason, actor=actor, request=request)


def conversation_include(*, conversation: Conversation, reason: str, actor) -> Conversation:
    """Undo the exclusion of the inquiry ``conversation``."""
    return _include(conversation, reason=reason, actor=actor)


def _exclude(obj, *, reason: str, actor, request=None):
    _check_reason(reason)

    with transaction.atomic():
        row = type(obj).objects.select_for_update().get(pk=obj.pk)
        if row.excluded:
            raise ValidationError(_("%(object)s is already excluded from the metrics.") % {"object": row})

        row.excluded = True
        row.excluded_reason = reason
        row.excluded_at = clock.now()
        row.excluded_by = actor
        row.save(update_fields=["excluded", "excluded_reason", "excluded_at", "excluded_by"])

        details = _object_details(row, reason)
        if request is not None:
            details["exclusion_request_id"] = request.pk
        _record_event(row, LevelEvent.Kind.EXCLUSION_ADDED, details, reason, actor)

    logger.info("%s %s excluded from metrics by %s", OBJECT_TYPES[type(row)], row.pk, actor.pk)
    return row


def _include(obj, *, reason: str, actor):
    _check_reason(reason)

    with transaction.atomic():
        row = type(obj).objects.select_for_update().get(pk=obj.pk)
        if not row.excluded:
            raise ValidationError(_("%(object)s is not excluded from the metrics.") % {"object": row})

        details = _object_details(row, reason)
        details["excluded_reason"] = row.excluded_reason
        details["excluded_by_id"] = row.excluded_by_id
        row.excluded = False
        row.excluded_reason = ""
        row.excluded_at = None
        row.excluded_by = None
        row.save(update_fields=["excluded", "excluded_reason", "excluded_at", "excluded_by"])
        _record_event(row, LevelEvent.Kind.EXCLUSION_REMOVED, details, reason, actor)

    logger.info("%s %s included in metrics again by %s", OBJECT_TYPES[type(row)], row.pk, actor.pk)
    return row


def _check_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason; it is kept in the audit log.")})


def _object_details(row, reason: str) -> dict:
    return {
        "object_type": OBJECT_TYPES[type(row)],
        "object_id": row.pk,
        "external_id": row.external_id,
        "reason": reason,
    }


def _record_event(row, kind, details: dict, reason: str, actor) -> LevelEvent:
    # An exclusion changes no level by itself, so the event records the
    # seller's level as it is; the change shows at the next evaluation.
    level = SellerProfile.objects.filter(user_id=row.seller_id).values_list("level", flat=True).first() or 1
    return LevelEvent.objects.create(
        seller_id=row.seller_id, kind=kind, evaluated_on=clock.local_today(),
        from_level=level, to_level=level, details=details, reason=reason, actor=actor,
        policy=policy_snapshot(current_policy()),
    )


# Exclusion requests from sellers


def exclusion_request_create(*, seller, reason: str, order: Order | None = None,
                             conversation: Conversation | None = None) -> ExclusionRequest:
    """Record ``seller``'s request to exclude a cancelled order or a spam inquiry of theirs.

    Raises ValidationError when the target is not the seller's, the order is
    not cancelled, the target is already excluded or already has a pending request.
    """
    if (order is None) == (conversation is None):
        raise ValidationError(_("Choose either an order or an inquiry."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Explain why this should not count in your metrics.")})

    target = order if order is not None else conversation
    if target.seller_id != seller.pk:
        raise ValidationError(_("%(object)s is not one of your orders or inquiries.") % {"object": target})
    if order is not None and order.cancelled_at is None:
        raise ValidationError(_("Only a cancelled order can be excluded on request."))
    if target.excluded:
        raise ValidationError(_("%(object)s is already excluded from the metrics.") % {"object": target})

    kind = ExclusionRequest.Kind.BUYER_CANCELLATION if order is not None else ExclusionRequest.Kind.SPAM_INQUIRY
    try:
        with transaction.atomic():
            request = ExclusionRequest.objects.create(
                seller=seller, kind=kind, order=order, conversation=conversation, reason=reason,
            )
    except IntegrityError:
        # The partial unique constraints allow one pending request per target.
        raise ValidationError(_("A request for %(object)s is already waiting for a decision.") % {"object": target})

    logger.info("Seller %s requested exclusion %s of %s %s", seller.pk, request.pk, kind, target.pk)
    return request


def exclusion_request_decide(*, request: ExclusionRequest, approve: bool, note: str, actor) -> ExclusionRequest:
    """Approve or reject a pending request; an approval excludes its target in the same transaction.

    A target that staff excluded meanwhile stays excluded, and the approval
    records no second exclusion.
    """
    with transaction.atomic():
        locked = ExclusionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ExclusionRequest.Status.PENDING:
            raise ValidationError(
                _("Request %(request)s was already decided.") % {"request": locked.pk}
            )
        if not approve and not (note or "").strip():
            raise ValidationError({"note": _("Give the reason for rejecting the request.")})

        locked.status = ExclusionRequest.Status.APPROVED if approve else ExclusionRequest.Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = clock.now()
        locked.decision_note = note
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])

        if approve:
            _exclude_requested_target(locked, actor)

    logger.info("Exclusion request %s %s by %s", locked.pk, locked.status, actor.pk)
    return locked


def _exclude_requested_target(request: ExclusionRequest, actor) -> None:
    target = request.order or request.conversation
    if target.excluded:
        return
    if request.order_id:
        order_exclude(order=target, reason=request.reason, actor=actor, request=request)
    else:
        conversation_exclude(conversation=target, reason=request.reason, actor=actor, request=request)
