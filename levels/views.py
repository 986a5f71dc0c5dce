"""Staff pages of the levels app that are not the admin of one model."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from levels.admin import RUN_POLICY_WHATIF, criteria_labels
from levels.policy import build_policy, current_policy
from levels.whatif import compare_policies
from sellers.models import SellerProfile

# Levels whose thresholds the what-if form offers; level 1 judges nothing.
JUDGED_LEVELS = (2, 3)

# Form field suffix, the policy field it sets, and how a typed value maps to it:
# rates are typed as percentages and stored as fractions of one.
THRESHOLD_FIELDS = (
    ("min_clients", "min_clients", 1),
    ("min_rating", "min_rating", 1),
    ("min_completion_percent", "min_completion_rate", 100),
    ("min_contact_success_percent", "min_contact_success_rate", 100),
    ("max_response_hours", "max_response_hours", 1),
)


class WhatIfForm(forms.Form):
    """The thresholds of levels 2 and 3, prefilled with the policy in force."""

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        for number in JUDGED_LEVELS:
            rule = policy.level(number)
            label_args = {"level": number}
            self.fields[f"level{number}_min_clients"] = forms.IntegerField(
                label=_("Level %(level)s: clients at least") % label_args, min_value=0,
                initial=rule.min_clients,
            )
            self.fields[f"level{number}_min_rating"] = forms.DecimalField(
                label=_("Level %(level)s: rating at least") % label_args, min_value=1, max_value=5,
                decimal_places=2, initial=_decimal(rule.min_rating, 1),
            )
            self.fields[f"level{number}_min_completion_percent"] = forms.DecimalField(
                label=_("Level %(level)s: completion rate at least (%%)") % label_args, min_value=0,
                max_value=100, decimal_places=2, initial=_decimal(rule.min_completion_rate, 100),
            )
            self.fields[f"level{number}_min_contact_success_percent"] = forms.DecimalField(
                label=_("Level %(level)s: contact success rate at least (%%)") % label_args, min_value=0,
                max_value=100, decimal_places=2, initial=_decimal(rule.min_contact_success_rate, 100),
            )
            self.fields[f"level{number}_max_response_hours"] = forms.DecimalField(
                label=_("Level %(level)s: response time at most (hours)") % label_args, min_value=0,
                decimal_places=2, initial=_decimal(rule.max_response_hours, 1),
            )

    def overrides(self) -> dict:
        """Return the typed thresholds in the shape levels.policy.build_policy expects."""
        levels = {}
        for number in JUDGED_LEVELS:
            changes = {}
            for suffix, policy_field, scale in THRESHOLD_FIELDS:
                value = self.cleaned_data[f"level{number}_{suffix}"]
                changes[policy_field] = value if scale == 1 or value is None else str(Decimal(value) / scale)
            levels[str(number)] = changes
        return {"levels": levels}


def _decimal(value, scale) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) * scale / Decimal(value.denominator)).normalize()


@staff_member_required
def policy_whatif(request):
    """Compare the policy in force with thresholds typed by staff, for the latest evaluation date."""
    if not request.user.has_perm(RUN_POLICY_WHATIF):
        raise PermissionDenied

    current = current_policy()
    submitted = "run" in request.GET
    form = WhatIfForm(request.GET if submitted else None, policy=current)
    result = rows = None
    if submitted and form.is_valid():
        proposed = build_policy(form.overrides(), base=current)
        result = compare_policies(current, proposed)
        rows = _mover_rows(result.moves)

    context = {
        **admin.site.each_context(request),
        "title": _("Policy what-if"),
        "form": form,
        "result": result,
        "rows": rows,
    }
    return TemplateResponse(request, "admin/levels/policy_whatif.html", context)


def _mover_rows(moves):
    seller_ids = [move.seller_id for move in moves]
    users = User.objects.in_bulk(seller_ids)
    levels = dict(SellerProfile.objects.filter(user_id__in=seller_ids).values_list("user_id", "level"))
    return [
        {"move": move, "user": users.get(move.seller_id), "level": levels.get(move.seller_id),
         "criteria": criteria_labels(move.criteria)}
        for move in moves
    ]
