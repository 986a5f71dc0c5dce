from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from levels import values


class PolicySnapshot(models.Model):
    """A level policy as it was in force, stored once and shared by events and runs."""

    digest = models.CharField(_("digest"), max_length=16, unique=True)
    data = models.JSONField(_("policy"))
    created_at = models.DateTimeField(_("first used at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy snapshot")
        verbose_name_plural = _("policy snapshots")

    def __str__(self):
        return self.digest


class SellerMetrics(models.Model):
    """The latest evaluated metrics of one seller, as raw counts and sums.

    Rates and means are derived from the counts (see levels.values) so that the
    exact comparisons of the policy can be redone from what is stored here.
    """

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
        related_name="level_metrics", verbose_name=_("seller"),
    )
    evaluated_on = models.DateField(_("evaluated for"), db_index=True)
    clients = models.PositiveIntegerField(_("clients"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0)
    rating_square_sum = models.PositiveIntegerField(_("sum of squared ratings"), default=0)
    rating_count = models.PositiveIntegerField(_("reviews"), default=0)
    completed_count = models.PositiveIntegerField(_("completed orders"), default=0)
    cancelled_count = models.PositiveIntegerField(_("cancelled orders"), default=0)
    inquiry_count = models.PositiveIntegerField(_("inquiries"), default=0)
    decided_count = models.PositiveIntegerField(_("decided inquiries"), default=0)
    converted_count = models.PositiveIntegerField(_("converted inquiries"), default=0)
    unanswered_count = models.PositiveIntegerField(_("unanswered inquiries"), default=0)
    response_total_us = models.BigIntegerField(_("total first-reply delay (µs)"), default=0)
    qualifying_level = models.PositiveSmallIntegerField(_("qualifying level"), default=1)
    score = models.FloatField(_("ranking score"), default=0.0, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seller metrics")
        verbose_name_plural = _("seller metrics")

    def __str__(self):
        return f"{self.seller_id} @ {self.evaluated_on}"

    def as_values(self) -> values.MetricValues:
        return values.MetricValues(
            clients=self.clients,
            rating_sum=self.rating_sum,
            rating_square_sum=self.rating_square_sum,
            rating_count=self.rating_count,
            completed_count=self.completed_count,
            cancelled_count=self.cancelled_count,
            inquiry_count=self.inquiry_count,
            decided_count=self.decided_count,
            converted_count=self.converted_count,
            unanswered_count=self.unanswered_count,
            response_total_us=self.response_total_us,
        )


class LevelEvent(models.Model):
    """One entry of the audit trail of levels: the change, the data it was decided on and its actor."""

    class Kind(models.TextChoices):
        PROMOTED = "promoted", _("Promoted")
        GRACE_STARTED = "grace_started", _("Grace period started")
        RECOVERED = "recovered", _("Recovered during grace period")
        DEMOTED = "demoted", _("Demoted")
        OVERRIDE_SET = "override_set", _("Level pinned by staff")
        OVERRIDE_LIFTED = "override_lifted", _("Level pin lifted")
        EXCLUSION_ADDED = "exclusion_added", _("Excluded from metrics by staff")
        EXCLUSION_REMOVED = "exclusion_removed", _("Exclusion from metrics undone by staff")
        REEVALUATED = "reevaluated", _("Re-evaluated by staff")

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="level_events", verbose_name=_("seller"),
    )
    kind = models.CharField(_("transition"), max_length=20, choices=Kind.choices)
    evaluated_on = models.DateField(_("evaluation date"), db_index=True)
    from_level = models.PositiveSmallIntegerField(_("from level"))
    to_level = models.PositiveSmallIntegerField(_("to level"))
    qualifying_level = models.PositiveSmallIntegerField(_("qualifying level"), null=True, blank=True)
    grace_ends_on = models.DateField(_("grace period ends on"), null=True, blank=True)
    failing_criteria = models.JSONField(_("failing criteria"), default=list, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    thresholds = models.JSONField(_("thresholds"), default=dict, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    policy = models.ForeignKey(
        PolicySnapshot, on_delete=models.PROTECT, null=True, blank=True,
        related_name="events", verbose_name=_("policy"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("staff member"),
        help_text=_("Empty when the nightly evaluation made the change."),
    )
    reason = models.TextField(_("reason"), blank=True)
    run = models.ForeignKey(
        "EvaluationRun", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="events", verbose_name=_("evaluation run"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("level event")
        verbose_name_plural = _("level events")
        ordering = ["-evaluated_on", "-pk"]
        indexes = [models.Index(fields=["seller", "evaluated_on"], name="level_event_seller_date")]
        # Staff tools check these rather than the model's change permission,
        # so a group may be given one tool without the others.
        permissions = [
            ("pin_level", _("Can pin and lift a seller's level")),
            ("exclude_from_metrics", _("Can exclude and include orders, reviews and inquiries")),
            ("reevaluate_sellers", _("Can re-evaluate sellers")),
            ("decide_exclusion_request", _("Can approve and reject exclusion requests")),
            ("run_policy_whatif", _("Can run the policy what-if")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_level}→{self.to_level} ({self.evaluated_on})"

    @property
    def actor_label(self) -> str:
        return str(self.actor) if self.actor_id else str(_("Nightly evaluation"))


class EvaluationRun(models.Model):
    """The evaluation of every seller as of one date; at most one per date."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    evaluated_on = models.DateField(_("evaluation date"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    policy = models.ForeignKey(
        PolicySnapshot, on_delete=models.PROTECT, related_name="runs", verbose_name=_("policy"),
    )
    sellers_evaluated = models.PositiveIntegerField(_("sellers evaluated"), default=0)
    promoted = models.PositiveIntegerField(_("promoted"), default=0)
    grace_started = models.PositiveIntegerField(_("grace periods started"), default=0)
    recovered = models.PositiveIntegerField(_("recovered"), default=0)
    demoted = models.PositiveIntegerField(_("demoted"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        ordering = ["-evaluated_on"]

    def __str__(self):
        return f"{self.evaluated_on} ({self.get_status_display()})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def summary(self) -> str:
        return (
            f"{self.evaluated_on}: {self.sellers_evaluated} sellers evaluated, "
            f"{self.promoted} promoted, {self.grace_started} grace started, "
            f"{self.recovered} recovered, {self.demoted} demoted"
        )


class EvaluationBatch(models.Model):
    """A range of seller ids evaluated in one transaction, claimed by one worker.

    Batches are created with their run, so a rerun after a crash finds the same
    ranges and evaluates only those not yet done.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="batches")
    first_seller_id = models.BigIntegerField(_("first seller id"))
    last_seller_id = models.BigIntegerField(_("last seller id"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sellers_evaluated = models.PositiveIntegerField(default=0)
    promoted = models.PositiveIntegerField(default=0)
    grace_started = models.PositiveIntegerField(default=0)
    recovered = models.PositiveIntegerField(default=0)
    demoted = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation batch")
        verbose_name_plural = _("evaluation batches")
        constraints = [
            models.UniqueConstraint(fields=["run", "first_seller_id"], name="batch_unique_start"),
            models.CheckConstraint(
                condition=Q(last_seller_id__gte=models.F("first_seller_id")), name="batch_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["run", "status"], name="batch_run_status")]


class ExclusionRequest(models.Model):
    """A seller's request to exclude one order or inquiry from the metrics, and staff's decision.

    Rows are never deleted, so every request and decision stays on record.
    """

    class Kind(models.TextChoices):
        BUYER_CANCELLATION = "buyer_cancellation", _("Cancellation caused by the buyer")
        SPAM_INQUIRY = "spam_inquiry", _("Spam inquiry")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
        related_name="exclusion_requests", verbose_name=_("seller"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True,
        related_name="exclusion_requests", verbose_name=_("order"),
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="exclusion_requests", verbose_name=_("inquiry"),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exclusion request")
        verbose_name_plural = _("exclusion requests")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="exclusion_request_status")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="buyer_cancellation", order__isnull=False, conversation__isnull=True)
                    | Q(kind="spam_inquiry", order__isnull=True, conversation__isnull=False)
                ),
                name="exclusion_request_target_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="exclusion_request_decided_has_time",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="exclusion_request_one_pending_order",
            ),
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(status="pending"),
                name="exclusion_request_one_pending_conversation",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def target(self):
        return self.order if self.order_id else self.conversation
