from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from orders.models import ExclusionFields


class Conversation(ExclusionFields):
    """An inquiry: a buyer writes to a seller before (or without) ordering."""

    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="inquiries_received", verbose_name=_("seller"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="inquiries_sent", verbose_name=_("buyer"),
    )
    service = models.ForeignKey(
        "services.Service", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="inquiries", verbose_name=_("service"),
    )
    started_at = models.DateTimeField(_("started at"))
    # The seller's earliest message, kept by the message write paths so the
    # response-time metric needs no per-inquiry subquery.
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        indexes = [models.Index(fields=["seller", "started_at"], name="conversation_seller_started")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(buyer=F("seller")), name="conversation_buyer_not_seller",
            ),
            models.CheckConstraint(
                condition=Q(first_reply_at__isnull=True) | Q(first_reply_at__gte=F("started_at")),
                name="conversation_reply_after_start",
            ),
        ]

    def __str__(self):
        return self.external_id or f"#{self.pk}"


class Message(models.Model):
    class Sender(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        SELLER = "seller", _("Seller")

    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("inquiry"),
    )
    sender = models.CharField(_("sender"), max_length=10, choices=Sender.choices)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["conversation", "sent_at"], name="message_conversation_sent")]

    def __str__(self):
        return self.external_id or f"#{self.pk}"
