import json
from decimal import Decimal
from fractions import Fraction

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from levels import policy as p
from levels import values
from levels.models import EvaluationBatch, EvaluationRun, LevelEvent, PolicySnapshot, SellerMetrics

USER_SEARCH = ("seller__username", "seller__display_name", "seller__external_id")

CRITERION_LABELS = {
    p.CLIENTS: _("Clients"),
    p.RATING: _("Rating"),
    p.COMPLETION: _("Completion rate"),
    p.CONTACT_SUCCESS: _("Contact success rate"),
    p.RESPONSE_TIME: _("Response time"),
}


def criteria_labels(names) -> str:
    """Return the translated names of criteria ``names``, separated by commas."""
    return ", ".join(str(CRITERION_LABELS.get(name, name)) for name in names or ())


def _as_decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value.numerator) / Decimal(value.denominator)


def metric_display(metric_values: values.MetricValues) -> dict[str, Decimal | int | None]:
    """Return the metrics as staff see them, each rounded toward failing.

    Rating with two decimals, rates as percentages with one decimal and the
    response time in hours with two decimals, so that a shown value never
    looks like a pass while the exact value fails.
    """
    def percent(rate):
        return _as_decimal(values.rounded_toward_failing(
            None if rate is None else rate * 100, 1, higher_is_better=True,
        ))

    return {
        "clients": metric_values.clients,
        "rating": _as_decimal(values.rounded_toward_failing(metric_values.rating, 2, higher_is_better=True)),
        "rating_count": metric_values.rating_count,
        "completion_rate": percent(metric_values.completion_rate),
        "contact_success_rate": percent(metric_values.contact_success_rate),
        "response_hours": _as_decimal(
            values.rounded_toward_failing(metric_values.response_hours, 2, higher_is_better=False)
        ),
    }


def pretty_json(data) -> str:
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


class LevelListFilter(admin.SimpleListFilter):
    """A filter on a level column, with the levels of the policy as its choices.

    Django's default filter for an integer column runs a SELECT DISTINCT over
    the whole table on every page, which the known set of levels makes needless.
    """

    field_name = ""

    def lookups(self, request, model_admin):
        return [
            (str(rule.number), gettext("Level %(level)s") % {"level": rule.number})
            for rule in p.current_policy().levels
        ]

    def queryset(self, request, queryset):
        known = {str(rule.number) for rule in p.current_policy().levels}
        if self.value() not in known:
            return queryset
        return queryset.filter(**{self.field_name: int(self.value())})


def level_filter(field_name: str, title) -> type[LevelListFilter]:
    """Return a LevelListFilter class for the level column ``field_name``."""
    return type(
        f"LevelListFilter_{field_name}",
        (LevelListFilter,),
        {"field_name": field_name, "parameter_name": field_name, "title": title},
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin for audit records: staff view them, and only the levels code writes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SellerMetrics)
class SellerMetricsAdmin(ReadOnlyAdmin):
    list_display = (
        "seller", "evaluated_on", "qualifying_level", "clients", "rating", "rating_count",
        "completion_rate", "contact_success_rate", "response_hours", "score",
    )
    list_filter = (level_filter("qualifying_level", _("qualifying level")), "evaluated_on")
    search_fields = USER_SEARCH
    list_select_related = ("seller",)
    ordering = ("-score", "seller_id")
    show_full_result_count = False

    @admin.display(description=_("rating"), empty_value="—")
    def rating(self, row):
        return metric_display(row.as_values())["rating"]

    @admin.display(description=_("completion rate (%)"), empty_value="—")
    def completion_rate(self, row):
        return metric_display(row.as_values())["completion_rate"]

    @admin.display(description=_("contact success rate (%)"), empty_value="—")
    def contact_success_rate(self, row):
        return metric_display(row.as_values())["contact_success_rate"]

    @admin.display(description=_("response time (hours)"), empty_value="—")
    def response_hours(self, row):
        return metric_display(row.as_values())["response_hours"]


@admin.register(LevelEvent)
class LevelEventAdmin(ReadOnlyAdmin):
    list_display = ("evaluated_on", "seller", "kind", "from_level", "to_level", "grace_ends_on", "made_by", "run")
    list_filter = ("kind", level_filter("to_level", _("to level")), "evaluated_on")
    search_fields = USER_SEARCH
    list_select_related = ("seller", "actor", "run")
    show_full_result_count = False
    readonly_fields = ("failing_criteria_labels", "metrics_json", "thresholds_json", "details_json")
    exclude = ("failing_criteria", "metrics", "thresholds", "details")

    @admin.display(description=_("made by"))
    def made_by(self, event):
        return event.actor_label

    @admin.display(description=_("failing criteria"))
    def failing_criteria_labels(self, event):
        return criteria_labels(event.failing_criteria)

    @admin.display(description=_("metrics"))
    def metrics_json(self, event):
        return pretty_json(event.metrics)

    @admin.display(description=_("thresholds"))
    def thresholds_json(self, event):
        return pretty_json(event.thresholds)

    @admin.display(description=_("details"))
    def details_json(self, event):
        return pretty_json(event.details)


class EvaluationBatchInline(admin.TabularInline):
    model = EvaluationBatch
    fields = ("first_seller_id", "last_seller_id", "status", "sellers_evaluated", "finished_at")
    readonly_fields = fields
    ordering = ("first_seller_id",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "evaluated_on", "status", "started_at", "finished_at", "duration",
        "sellers_evaluated", "promoted", "grace_started", "recovered", "demoted",
    )
    list_filter = ("status",)
    date_hierarchy = "evaluated_on"
    list_select_related = ("policy",)
    inlines = (EvaluationBatchInline,)

    @admin.display(description=_("duration"), empty_value="—")
    def duration(self, run):
        return run.duration


@admin.register(EvaluationBatch)
class EvaluationBatchAdmin(ReadOnlyAdmin):
    """Batches of evaluation runs; read-only because workers claim them by status."""

    list_display = ("run", "first_seller_id", "last_seller_id", "status", "sellers_evaluated", "finished_at")
    list_filter = ("status",)
    list_select_related = ("run",)
    ordering = ("-run__evaluated_on", "first_seller_id")


@admin.register(PolicySnapshot)
class PolicySnapshotAdmin(ReadOnlyAdmin):
    """Policies in force at past evaluations; read-only because events and runs point at them."""

    list_display = ("digest", "created_at")
    search_fields = ("digest",)
    readonly_fields = ("policy_json",)
    exclude = ("data",)

    @admin.display(description=_("policy"))
    def policy_json(self, snapshot):
        return pretty_json(snapshot.data)
