"""The seller's form to ask staff to exclude a cancelled order or a spam inquiry from the metrics."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation
from levels.models import ExclusionRequest
from orders.models import Order
from sellers import selectors

REASON_MAX_LENGTH = 2000

# A target is posted as "order:<pk>" or "inquiry:<pk>". At most 18 digits fit
# in a bigint, so a longer number is rejected before it reaches a query.
TARGET_PATTERN = re.compile(r"(order|inquiry):([0-9]{1,18})")


def target_value(target: Order | Conversation) -> str:
    """Return the value of ``target`` in the form's list of orders and inquiries."""
    kind = "order" if isinstance(target, Order) else "inquiry"
    return f"{kind}:{target.pk}"


def find_target(seller, value: str | None) -> Order | Conversation | None:
    """Return the seller's own order or inquiry named by ``value``, or None.

    Someone else's order gets the same None as a missing one, so the form
    reveals nothing about other sellers' orders and inquiries.
    """
    match = TARGET_PATTERN.fullmatch(value or "")
    if match is None:
        return None

    kind, pk = match.groups()
    if kind == "order":
        queryset = Order.objects.select_related("service")
    else:
        queryset = Conversation.objects.select_related("buyer")
    return queryset.filter(seller_id=seller.pk, pk=int(pk)).first()


def _local_date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def target_label(target: Order | Conversation) -> str:
    """Return how the form names ``target`` in its list, in the active language."""
    if isinstance(target, Conversation):
        return gettext("Inquiry from %(buyer)s, started on %(date)s") % {
            "buyer": target.buyer, "date": _local_date(target.started_at),
        }
    if target.cancelled_at is None:
        return gettext("Order #%(number)s: %(service)s") % {"number": target.pk, "service": target.service.title}
    return gettext("Order #%(number)s: %(service)s, cancelled on %(date)s") % {
        "number": target.pk, "service": target.service.title, "date": _local_date(target.cancelled_at),
    }


class ExclusionRequestForm(forms.Form):
    """A seller's cancelled order or inquiry, and the reason it should not count in the metrics.

    The form checks only that the target is the seller's own. Whether it can
    be requested (cancelled, not excluded, no pending request) is decided by
    levels.exclusions.exclusion_request_create, whose errors add_service_errors
    puts next to the fields.
    """

    target = forms.CharField(
        label=_("Order or inquiry"),
        widget=forms.Select,
        error_messages={"required": _("Choose the order or the inquiry.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Staff read it before they decide. Say what the buyer did, or why the inquiry is spam."),
        error_messages={"required": _("Explain why this should not count in your metrics.")},
    )

    def __init__(self, *args, seller, preselected: Order | Conversation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.seller = seller
        self.posted_target = find_target(seller, self.data.get("target")) if self.is_bound else None
        if preselected is not None:
            self.initial["target"] = target_value(preselected)

        orders = selectors.requestable_orders(seller)
        inquiries = selectors.requestable_inquiries(seller)
        # A target chosen on its own page, or posted and rejected, stays in the
        # list even when the list would not offer it, so it shows as selected.
        for extra in (preselected, self.posted_target):
            rows = orders if isinstance(extra, Order) else inquiries
            if extra is not None and extra.pk not in {row.pk for row in rows}:
                rows.insert(0, extra)

        groups = [
            (ExclusionRequest.Kind.BUYER_CANCELLATION.label, orders),
            (ExclusionRequest.Kind.SPAM_INQUIRY.label, inquiries),
        ]
        self.has_targets = bool(orders or inquiries)
        self.fields["target"].widget.choices = [("", "—")] + [
            (label, [(target_value(row), target_label(row)) for row in rows])
            for label, rows in groups if rows
        ]

    def clean_target(self) -> Order | Conversation:
        if self.posted_target is None:
            raise ValidationError(
                _("Choose one of your cancelled orders or inquiries from the list."), code="invalid_choice",
            )
        return self.posted_target

    def target_arguments(self) -> dict:
        """Return the target as the keyword argument that exclusion_request_create expects."""
        target = self.cleaned_data["target"]
        return {"order": target} if isinstance(target, Order) else {"conversation": target}

    def add_service_errors(self, error: ValidationError) -> None:
        """Attach the errors of exclusion_request_create to the fields they concern.

        Errors about the reason go to the reason, and every other error is
        about the chosen order or inquiry.
        """
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else "target", errors)
        else:
            self.add_error("target", error)
