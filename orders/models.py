from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExclusionFields(models.Model):
    """Staff exclusion from the level metrics, with the reason kept for audit."""

    excluded = models.BooleanField(_("excluded from metrics"), default=False)
    excluded_reason = models.TextField(_("exclusion reason"), blank=True)
    excluded_at = models.DateTimeField(_("excluded at"), null=True, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("excluded by"),
    )

    class Meta:
        abstract = True


class Order(ExclusionFields):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Party(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        SELLER = "seller", _("Seller")
        STAFF = "staff", _("Staff")

    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    service = models.ForeignKey(
        "services.Service", on_delete=models.PROTECT, related_name="orders", verbose_name=_("service"),
    )
    # The service's seller, copied so metric queries group orders by seller
    # without a join.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
        related_name="sales", verbose_name=_("seller"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
        related_name="purchases", verbose_name=_("buyer"),
    )
    price = models.DecimalField(_("agreed price (USD)"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("ordered at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=10, choices=Party.choices, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["seller", "completed_at"], name="order_seller_completed"),
            models.Index(fields=["seller", "cancelled_at"], name="order_seller_cancelled"),
            models.Index(fields=["seller", "buyer", "created_at"], name="order_seller_buyer_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="order_price_positive"),
            models.CheckConstraint(condition=~Q(buyer=F("seller")), name="order_buyer_not_seller"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="order_not_both_completed_and_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="order_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="order_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("created_at")),
                name="order_completed_after_created",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=F("created_at")),
                name="order_cancelled_after_created",
            ),
        ]

    def __str__(self):
        return self.external_id or f"#{self.pk}"


class Review(ExclusionFields):
    external_id = models.CharField(_("external id"), max_length=64, unique=True, null=True, blank=True)
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="review", verbose_name=_("order"),
    )
    # Copied from the order so the rating metric groups by seller without a join.
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
        related_name="reviews_received", verbose_name=_("seller"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["seller", "created_at"], name="review_seller_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5",
                violation_error_message=_("A rating is a whole number from 1 to 5."),
            ),
        ]

    def __str__(self):
        return self.external_id or f"#{self.pk}"
