from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SellerProfile(models.Model):
    """The seller side of a user: level, grace period and staff override.

    Only the levels app writes the level and grace fields, through
    levels.services, which records an event for every change.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="seller_profile", verbose_name=_("user"),
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    level_since = models.DateField(_("level reached on"), null=True, blank=True)
    qualifying_level = models.PositiveSmallIntegerField(
        _("qualifying level"), default=1,
        help_text=_("The highest level whose criteria were all met at the last evaluation."),
    )
    grace_started_on = models.DateField(_("grace period started on"), null=True, blank=True)
    grace_ends_on = models.DateField(_("grace period ends on"), null=True, blank=True, db_index=True)
    failing_criteria = models.JSONField(
        _("failing criteria"), default=list, blank=True,
        help_text=_("Criteria of the current level not met when the grace period started."),
    )
    override_level = models.PositiveSmallIntegerField(_("pinned level"), null=True, blank=True)
    override_reason = models.TextField(_("pin reason"), blank=True)
    override_ends_on = models.DateField(_("pin ends on"), null=True, blank=True)
    override_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("pinned by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("seller profile")
        verbose_name_plural = _("seller profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="seller_level_range",
            ),
            models.CheckConstraint(
                condition=Q(qualifying_level__gte=1) & Q(qualifying_level__lte=3),
                name="seller_qualifying_level_range",
            ),
            models.CheckConstraint(
                condition=(
                    Q(grace_started_on__isnull=True, grace_ends_on__isnull=True)
                    | Q(grace_started_on__isnull=False, grace_ends_on__isnull=False,
                        grace_ends_on__gt=models.F("grace_started_on"))
                ),
                name="seller_grace_dates_together",
            ),
            models.CheckConstraint(
                condition=Q(override_level__isnull=True)
                | (Q(override_level__gte=1) & Q(override_level__lte=3)),
                name="seller_override_level_range",
            ),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def in_grace(self) -> bool:
        return self.grace_ends_on is not None

    @property
    def is_pinned(self) -> bool:
        return self.override_level is not None
