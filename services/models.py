from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from levels.policy import PRICE_CEILING, PRICE_FLOOR


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_ar = models.CharField(_("Arabic name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["slug"]

    def __str__(self):
        from django.utils.translation import get_language

        return self.name_ar if (get_language() or "ar").startswith("ar") else self.name_en


class Service(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    class PauseReason(models.TextChoices):
        SELLER = "seller", _("Paused by the seller")
        PRICE_ABOVE_LEVEL = "price_above_level", _("Price above the maximum of the new level")
        OVER_LEVEL_CAP = "over_level_cap", _("More active services than the new level allows")
        STAFF = "staff", _("Paused by staff")
        IMPORTED = "imported", _("Paused in imported history")

    external_id = models.CharField(
        _("external id"), max_length=64, unique=True, null=True, blank=True,
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="services", verbose_name=_("seller"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="services", verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price (USD)"), max_digits=8, decimal_places=2,
        validators=[MinValueValidator(PRICE_FLOOR)],
    )
    delivery_days = models.PositiveSmallIntegerField(
        _("delivery time (days)"), default=3, validators=[MinValueValidator(1)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True,
    )
    pause_reason = models.CharField(
        _("pause reason"), max_length=20, choices=PauseReason.choices, blank=True,
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Copies of the seller's level and ranking score, refreshed by every
    # evaluation, so the recommended order is read from one index instead of
    # sorting every active service through two joins.
    # Database defaults too, so rows written with COPY get them.
    rank_level = models.PositiveSmallIntegerField(
        _("seller level (for ranking)"), default=1, db_default=1, editable=False,
    )
    rank_score = models.FloatField(
        _("seller score (for ranking)"), default=0.0, db_default=0.0, editable=False,
    )

    # Set by the import, whose history keeps prices outside the caps of the
    # seller's current level: caps apply to changes, not to history.
    skip_level_caps = False

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [
            models.Index(fields=["seller", "status"]),
            models.Index(
                fields=["status", "-rank_level", "-rank_score", "-created_at", "-id"],
                name="service_recommended",
            ),
            models.Index(
                fields=["category", "status", "-rank_level", "-rank_score", "-created_at", "-id"],
                name="service_category_recommended",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=PRICE_FLOOR) & Q(price__lte=PRICE_CEILING),
                name="service_price_global_bounds",
                violation_error_message=_("The price must be between 5.00 and 200.00 USD."),
            ),
            models.CheckConstraint(
                condition=Q(delivery_days__gte=1), name="service_delivery_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="paused") | Q(pause_reason=""),
                name="service_pause_reason_only_when_paused",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.skip_level_caps or self.seller_id is None or self.price is None:
            return

        from services.caps import check_caps

        check_caps(self)
