from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from levels.admin import criteria_labels, level_filter, metric_display
from levels.models import LevelEvent, SellerMetrics
from levels.policy import current_policy
from levels.services import level_pin_lift, level_pin_set
from sellers.models import SellerProfile
from sellers.services import seller_profile_create

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


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "username", "level", "qualifying_level", "grace_ends_on", "override_level",
                    "score", "evaluated_on")
    list_filter = (level_filter("level", _("level")), level_filter("qualifying_level", _("qualifying level")),
                   ("grace_ends_on", admin.EmptyFieldListFilter),
                   ("override_level", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__display_name", "user__external_id")
    list_select_related = ("user__level_metrics",)
    autocomplete_fields = ("user",)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("user", "created_at")}),
        (_("Level"), {"fields": LEVEL_FIELDS}),
        (_("Latest evaluation"), {"fields": ("metrics_summary", "recent_events")}),
    )

    change_form_template = "admin/sellers/sellerprofile/change_form.html"

    def get_urls(self):
        return [
            path("<int:object_id>/pin/", self.admin_site.admin_view(self.pin_view), name="sellers_sellerprofile_pin"),
            path("<int:object_id>/unpin/", self.admin_site.admin_view(self.unpin_view),
                 name="sellers_sellerprofile_unpin"),
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
        profile = get_object_or_404(SellerProfile.objects.select_related("user"), pk=object_id)
        if not self.has_change_permission(request, profile):
            raise PermissionDenied
        return profile

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
        computed = ("created_at", *LEVEL_FIELDS, "metrics_summary", "recent_events")
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
            .select_related("actor")
            .order_by("-evaluated_on", "-pk")[:RECENT_EVENTS_SHOWN]
        )
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
            (
                (event.evaluated_on, event.get_kind_display(), event.from_level, event.to_level,
                 event.actor_label, event.reason)
                for event in events
            ),
        )
        if not rows:
            return _("No level events yet.")

        all_events_url = reverse("admin:levels_levelevent_changelist") + f"?seller__id__exact={profile.user_id}"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table><p><a href='{}'>{}</a></p>",
            _("evaluation date"), _("transition"), _("level"), _("made by"), _("reason"),
            rows, all_events_url, _("All level events of this seller"),
        )
