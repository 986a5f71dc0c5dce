import csv
import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from levels.admin import (
    PIN_LEVEL, REEVALUATE_SELLERS, RUN_POLICY_WHATIF, GuardedActionsMixin, confirm_and_apply, criteria_labels, level_filter,
    metric_display,
)
from levels.models import LevelEvent, SellerMetrics
from levels.policy import current_policy
from levels.reevaluation import sellers_reevaluate
from levels.services import level_pin_lift, level_pin_set
from marketplace import clock
from sellers.models import SellerProfile
from sellers.services import seller_profile_create
from services.models import Service

# Days ahead that the "grace period ends soon" filter looks.
GRACE_ENDING_DAYS = 30

# Rows fetched per round trip by the CSV export, which streams so that a
# list of 100,000 sellers never sits in memory.
EXPORT_CHUNK_SIZE = 2000

EXPORT_COLUMNS = (
    "username", "display_name", "external_id", "level", "qualifying_level", "grace_ends_on", "override_level",
    "evaluated_on", "clients", "rating", "rating_count", "completion_rate_percent",
    "contact_success_rate_percent", "response_time_hours", "score",
)

# Number of latest level events shown on a seller's page. The full history is
# one click away in the level event list.
RECENT_EVENTS_SHOWN = 20

# Only the levels app changes these, through service functions that also
# record a level event, so staff see them but cannot edit them here. Staff
# pin and unpin a level through the pin pages below, which call those functions.
LEVEL_FIELDS = (
    "level", "level_since", "qualifying_level", "grace_started_on", "grace_ends_on", "failing_criteria_labels",
    "override_level", "override_reason", "override_ends_on", "override_set_by",
)


class PinForm(forms.Form):
    level = forms.TypedChoiceField(label=_("level"), coerce=int)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    ends_on = forms.DateField(
        label=_("pin ends on"), required=False,
        help_text=_("Leave empty to keep the pin until staff lift it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (rule.number, gettext("Level %(level)s") % {"level": rule.number})
            for rule in current_policy().levels
        ]


class PinLiftForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter; subclasses give the condition of "yes" in ``condition``."""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition())
        if self.value() == "no":
            return queryset.exclude(self.condition())
        return queryset


class InGraceFilter(YesNoFilter):
    title = _("in grace period")
    parameter_name = "in_grace"

    def condition(self):
        return Q(grace_ends_on__isnull=False)


class OverriddenFilter(YesNoFilter):
    title = _("level pinned")
    parameter_name = "pinned"

    def condition(self):
        return Q(override_level__isnull=False)


class GraceEndingFilter(admin.SimpleListFilter):
    """Sellers whose grace period ends within the next days, overdue ones included."""

    title = _("grace period ends")
    parameter_name = "grace_ending"

    def lookups(self, request, model_admin):
        return [("soon", gettext("within %(days)d days") % {"days": GRACE_ENDING_DAYS})]

    def queryset(self, request, queryset):
        if self.value() != "soon":
            return queryset
        last_day = clock.local_today() + dt.timedelta(days=GRACE_ENDING_DAYS)
        return queryset.filter(grace_ends_on__lte=last_day)


class EchoBuffer:
    """A file-like object whose write returns the text, for csv.writer in a streamed response."""

    def write(self, text):
        return text


@admin.register(SellerProfile)
class SellerProfileAdmin(GuardedActionsMixin, admin.ModelAdmin):
    list_display = ("user", "username", "level", "qualifying_level", "grace_ends_on", "override_level",
                    "clients", "rating", "completion_rate", "contact_success_rate", "response_hours",
                    "score", "evaluated_on")
    list_filter = (level_filter("level", _("level")), level_filter("qualifying_level", _("qualifying level")),
                   InGraceFilter, GraceEndingFilter, OverriddenFilter)
    search_fields = ("user__username", "user__display_name", "user__external_id")
    list_select_related = ("user__level_metrics",)
    autocomplete_fields = ("user",)
    show_full_result_count = False
    actions = ("reevaluate_selected",)
    action_permissions = {"reevaluate_selected": REEVALUATE_SELLERS}
    change_list_template = "admin/sellers/sellerprofile/change_list.html"
    fieldsets = (
        (None, {"fields": ("user", "created_at")}),
        (_("Level"), {"fields": LEVEL_FIELDS}),
        (_("Latest evaluation"), {"fields": ("metrics_summary", "recent_events")}),
        (_("Services"), {"fields": ("services_summary",)}),
    )

    change_form_template = "admin/sellers/sellerprofile/change_form.html"

    def get_urls(self):
        return [
            path("<int:object_id>/pin/", self.admin_site.admin_view(self.pin_view), name="sellers_sellerprofile_pin"),
            path("<int:object_id>/unpin/", self.admin_site.admin_view(self.unpin_view),
                 name="sellers_sellerprofile_unpin"),
            path("export/", self.admin_site.admin_view(self.export_view), name="sellers_sellerprofile_export"),
            *super().get_urls(),
        ]

    def pin_view(self, request, object_id):
        """Pin the seller's level through levels.services, which records the event and its actor."""
        profile = self._profile_for_change(request, object_id)
        form = PinForm(request.POST or None, initial={"level": profile.level})

        if request.method == "POST" and form.is_valid():
            try:
                level_pin_set(
                    seller=profile.user, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"],
                    actor=request.user, ends_on=form.cleaned_data["ends_on"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, gettext("The level of %(seller)s is pinned.") % {"seller": profile},
                                  messages.SUCCESS)
                return redirect("admin:sellers_sellerprofile_change", profile.pk)

        return self._pin_page(request, profile, form, gettext("Pin the level of %(seller)s") % {"seller": profile})

    def unpin_view(self, request, object_id):
        """Lift the seller's pin through levels.services, which records the event and its actor."""
        profile = self._profile_for_change(request, object_id)
        form = PinLiftForm(request.POST or None)

        if request.method == "POST" and form.is_valid():
            try:
                level_pin_lift(seller=profile.user, reason=form.cleaned_data["reason"], actor=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, gettext("The pin of %(seller)s is lifted.") % {"seller": profile},
                                  messages.SUCCESS)
                return redirect("admin:sellers_sellerprofile_change", profile.pk)

        return self._pin_page(request, profile, form, gettext("Lift the pin of %(seller)s") % {"seller": profile})

    def _profile_for_change(self, request, object_id) -> SellerProfile:
        if not request.user.has_perm(PIN_LEVEL):
            raise PermissionDenied
        return get_object_or_404(SellerProfile.objects.select_related("user"), pk=object_id)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_whatif": request.user.has_perm(RUN_POLICY_WHATIF)}
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_pin": request.user.has_perm(PIN_LEVEL)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Re-evaluate selected sellers now"))
    def reevaluate_selected(self, request, queryset):
        def apply(selected, data):
            seller_ids = list(selected.values_list("user_id", flat=True))
            counts = sellers_reevaluate(seller_ids=seller_ids, reason=data["reason"], actor=request.user)
            self.message_user(request, gettext(
                "%(sellers)d sellers re-evaluated: %(promoted)d promoted, %(grace)d grace periods started, "
                "%(recovered)d recovered, %(demoted)d demoted."
            ) % {"sellers": counts.sellers_evaluated, "promoted": counts.promoted, "grace": counts.grace_started,
                 "recovered": counts.recovered, "demoted": counts.demoted}, messages.SUCCESS)

        # One evaluation covers the whole selection, with a fixed number of queries.
        return confirm_and_apply(
            self, request, queryset.select_related("user"), permission=REEVALUATE_SELLERS,
            title=gettext("Re-evaluate sellers now"), apply=apply, per_object=False,
            explanation=gettext(
                "The sellers are evaluated again as of the latest finished evaluation date, with the data "
                "as it is now. Each seller gets a level event with your name and the reason."
            ),
        )

    def export_view(self, request):
        """Stream the sellers of the current filters and search as CSV, with their key metrics."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).select_related("user__level_metrics")

        writer = csv.writer(EchoBuffer())
        lines = (writer.writerow(row) for row in _export_rows(rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"sellers-{clock.local_today().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _pin_page(self, request, profile, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": profile,
            "title": title,
            "form": form,
        }
        return TemplateResponse(request, "admin/sellers/sellerprofile/pin_form.html", context)

    def get_readonly_fields(self, request, obj=None):
        computed = ("created_at", *LEVEL_FIELDS, "metrics_summary", "recent_events", "services_summary")
        if obj is None:
            return computed
        return ("user", *computed)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return

        # Created through sellers.services, so every new seller starts the same way, on level 1.
        obj.pk = seller_profile_create(user=obj.user).pk
        obj.refresh_from_db()

    @admin.display(description=_("username"), ordering="user__username")
    def username(self, profile):
        return profile.user.username

    def _displayed_metric(self, profile, name):
        metrics = getattr(profile.user, "level_metrics", None)
        return None if metrics is None else metric_display(metrics.as_values())[name]

    @admin.display(description=_("Clients"), ordering="user__level_metrics__clients", empty_value="—")
    def clients(self, profile):
        return self._displayed_metric(profile, "clients")

    @admin.display(description=_("Rating"), empty_value="—")
    def rating(self, profile):
        return self._displayed_metric(profile, "rating")

    @admin.display(description=_("completion rate (%)"), empty_value="—")
    def completion_rate(self, profile):
        return self._displayed_metric(profile, "completion_rate")

    @admin.display(description=_("contact success rate (%)"), empty_value="—")
    def contact_success_rate(self, profile):
        return self._displayed_metric(profile, "contact_success_rate")

    @admin.display(description=_("response time (hours)"), empty_value="—")
    def response_hours(self, profile):
        return self._displayed_metric(profile, "response_hours")

    @admin.display(description=_("ranking score"), ordering="user__level_metrics__score", empty_value="—")
    def score(self, profile):
        metrics = getattr(profile.user, "level_metrics", None)
        return None if metrics is None else round(metrics.score, 3)

    @admin.display(description=_("evaluated for"), ordering="user__level_metrics__evaluated_on", empty_value="—")
    def evaluated_on(self, profile):
        metrics = getattr(profile.user, "level_metrics", None)
        return None if metrics is None else metrics.evaluated_on

    @admin.display(description=_("failing criteria"))
    def failing_criteria_labels(self, profile):
        return criteria_labels(profile.failing_criteria)

    @admin.display(description=_("metrics"))
    def metrics_summary(self, profile):
        metrics = SellerMetrics.objects.filter(seller_id=profile.user_id).first() if profile.pk else None
        if metrics is None:
            return _("Not evaluated yet.")

        displayed = metric_display(metrics.as_values())
        rows = [
            (_("evaluated for"), metrics.evaluated_on),
            (_("qualifying level"), metrics.qualifying_level),
            (_("Clients"), displayed["clients"]),
            (_("Rating"), displayed["rating"]),
            (_("reviews"), displayed["rating_count"]),
            (_("completion rate (%)"), displayed["completion_rate"]),
            (_("contact success rate (%)"), displayed["contact_success_rate"]),
            (_("response time (hours)"), displayed["response_hours"]),
            (_("ranking score"), round(metrics.score, 3)),
        ]
        body = format_html_join(
            "", "<tr><th scope='row'>{}</th><td>{}</td></tr>",
            ((label, "—" if value is None else value) for label, value in rows),
        )
        return format_html("<table>{}</table>", body)

    @admin.display(description=_("latest level events"))
    def recent_events(self, profile):
        if not profile.pk:
            return "—"

        events = (
            LevelEvent.objects.filter(seller_id=profile.user_id)
            .select_related("actor", "policy")
            .order_by("-evaluated_on", "-pk")[:RECENT_EVENTS_SHOWN]
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td dir='ltr'>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (event.evaluated_on, event.get_kind_display(), event.from_level, event.to_level,
                 _compact(event.metrics), _compact(event.thresholds), event.policy.digest if event.policy else "—",
                 _compact(event.details), event.actor_label, event.reason)
                for event in events
            ),
        )
        if not rows:
            return _("No level events yet.")

        all_events_url = reverse("admin:levels_levelevent_changelist") + f"?seller__id__exact={profile.user_id}"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table><p><a href='{}'>{}</a></p>",
            _("evaluation date"), _("transition"), _("level"), _("metrics"), _("thresholds"), _("policy"),
            _("details"), _("made by"), _("reason"),
            rows, all_events_url, _("All level events of this seller"),
        )

    @admin.display(description=_("services"))
    def services_summary(self, profile):
        if not profile.pk:
            return "—"

        services = Service.objects.filter(seller_id=profile.user_id).order_by("status", "-pk")
        rows = format_html_join(
            "", "<tr><td><a href='{}'>{}</a></td><td>{}</td><td dir='ltr'>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (reverse("admin:services_service_change", args=[service.pk]), service.title,
                 service.get_status_display(), service.price, service.get_pause_reason_display() or "—",
                 service.paused_at or "—")
                for service in services
            ),
        )
        if not rows:
            return _("No services.")
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("title"), _("status"), _("price (USD)"), _("pause reason"), _("paused at"), rows,
        )


def _compact(data) -> str:
    """Return a dict of an event as "key: value" pairs on one line, or a dash when empty."""
    if not data:
        return "—"
    return ", ".join(f"{key}: {value}" for key, value in data.items())


def _export_rows(profiles):
    yield EXPORT_COLUMNS
    for profile in profiles:
        user = profile.user
        metrics = getattr(user, "level_metrics", None)
        shown = metric_display(metrics.as_values()) if metrics is not None else {}
        yield (
            user.username, user.display_name, user.external_id or "", profile.level, profile.qualifying_level,
            profile.grace_ends_on or "", profile.override_level or "",
            metrics.evaluated_on if metrics else "", shown.get("clients", ""), _blank(shown.get("rating")),
            shown.get("rating_count", ""), _blank(shown.get("completion_rate")),
            _blank(shown.get("contact_success_rate")), _blank(shown.get("response_hours")),
            round(metrics.score, 3) if metrics else "",
        )


def _blank(value):
    return "" if value is None else value
