import json
from decimal import Decimal
from fractions import Fraction

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from levels import policy as p
from levels import values
from levels.exclusions import exclusion_request_decide
from levels.models import (
    EvaluationBatch, EvaluationRun, ExclusionRequest, LevelEvent, PolicySnapshot, SellerMetrics,
)

# Permissions of the staff tools, granted through the "support" and "level
# managers" groups (see the levels migrations).
PIN_LEVEL = "levels.pin_level"
EXCLUDE_FROM_METRICS = "levels.exclude_from_metrics"
REEVALUATE_SELLERS = "levels.reevaluate_sellers"
DECIDE_EXCLUSION_REQUEST = "levels.decide_exclusion_request"
RUN_POLICY_WHATIF = "levels.run_policy_whatif"

# Selected objects listed by name on an action's confirmation page; the
# rest are counted, so selecting a whole table does not render every row.
CONFIRMATION_LISTED = 50

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


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept in the audit log with your name."))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("decision note"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           help_text=_("Required when rejecting; the seller may be shown it."))


class GuardedActionsMixin:
    """Admin actions that each need a permission of the staff tools.

    ``action_permissions`` maps an action name to the permission it needs.
    The action is hidden from staff without it, and a request that posts it
    anyway gets a 403 response rather than being ignored.
    """

    action_permissions: dict[str, str] = {}

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        for name, permission in self.action_permissions.items():
            if name in actions and not request.user.has_perm(permission):
                del actions[name]
        return actions

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                permission = self.action_permissions.get(name)
                if permission and not request.user.has_perm(permission):
                    raise PermissionDenied
        return super().changelist_view(request, extra_context)


def confirm_and_apply(modeladmin, request, queryset, *, permission: str, title, apply, form_class=ReasonForm,
                      explanation="", per_object: bool = True):
    """Show a form for a bulk action (a reason, a note), then apply it.

    With ``per_object``, ``apply(obj, cleaned_data)`` is called for each
    selected object and a ValidationError skips that object; otherwise
    ``apply(queryset, cleaned_data)`` is called once. Errors are shown as
    messages. Returns None after applying, which sends the browser back to
    the changelist.
    """
    if not request.user.has_perm(permission):
        raise PermissionDenied

    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        if per_object:
            _apply_each(modeladmin, request, queryset, apply, form.cleaned_data)
        else:
            try:
                apply(queryset, form.cleaned_data)
            except ValidationError as error:
                modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
        return None

    listed = list(queryset[:CONFIRMATION_LISTED + 1])
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "explanation": explanation,
        "form": form,
        "objects": listed[:CONFIRMATION_LISTED],
        "more_objects": len(listed) > CONFIRMATION_LISTED,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/levels/confirm_action.html", context)


def _apply_each(modeladmin, request, queryset, apply, data) -> None:
    done, errors = 0, []
    for obj in queryset:
        try:
            apply(obj, data)
        except ValidationError as error:
            errors.append(gettext("%(object)s: %(error)s") % {"object": obj, "error": " ".join(error.messages)})
        else:
            done += 1

    if done:
        modeladmin.message_user(
            request, ngettext("%(count)d object done.", "%(count)d objects done.", done) % {"count": done},
            messages.SUCCESS,
        )
    for error in errors:
        modeladmin.message_user(request, error, messages.WARNING)


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
    exclude = ("error",)
    readonly_fields = ("error_text",)

    def get_list_display(self, request):
        return (*self.list_display, "error_summary")

    @admin.display(description=_("duration"), empty_value="—")
    def duration(self, run):
        return run.duration

    @admin.display(description=_("error"), empty_value="—")
    def error_summary(self, run):
        """Return the last line of a failed run's traceback, which names the exception."""
        lines = run.error.strip().splitlines()
        return lines[-1][:200] if lines else None

    @admin.display(description=_("error"), empty_value="—")
    def error_text(self, run):
        return format_html("<pre dir='ltr'>{}</pre>", run.error) if run.error else None


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


@admin.register(ExclusionRequest)
class ExclusionRequestAdmin(GuardedActionsMixin, ReadOnlyAdmin):
    """Sellers' exclusion requests; staff decide them with the actions, which record who and when."""

    list_display = ("__str__", "seller", "kind", "target_label", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status", "kind")
    search_fields = (*USER_SEARCH, "order__external_id", "conversation__external_id")
    list_select_related = ("seller", "order", "conversation", "decided_by")
    show_full_result_count = False
    actions = ("approve_selected", "reject_selected")
    action_permissions = {
        "approve_selected": DECIDE_EXCLUSION_REQUEST,
        "reject_selected": DECIDE_EXCLUSION_REQUEST,
    }

    @admin.display(description=_("order or inquiry"))
    def target_label(self, request_row):
        return str(request_row.target)

    @admin.action(description=_("Approve selected requests (exclude their targets)"))
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, approve=True, title=gettext("Approve exclusion requests"))

    @admin.action(description=_("Reject selected requests"))
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, approve=False, title=gettext("Reject exclusion requests"))

    def _decide(self, request, queryset, *, approve, title):
        def apply(request_row, data):
            exclusion_request_decide(request=request_row, approve=approve, note=data["note"], actor=request.user)

        return confirm_and_apply(
            self, request, queryset.select_related("order", "conversation"),
            permission=DECIDE_EXCLUSION_REQUEST, title=title, apply=apply, form_class=NoteForm,
        )
