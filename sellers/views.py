"""The seller's own level dashboard, exclusion requests, and the public page that explains levels."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from levels.exclusions import exclusion_request_create
from levels.policy import current_policy
from marketplace import clock
from sellers import charts, selectors
from sellers.forms import ExclusionRequestForm, find_target

EXCLUSION_REQUESTS_PER_PAGE = 25


@login_required
def dashboard(request):
    """Show the signed-in seller their level, criteria, next steps and history.

    The page always describes the requesting user: there is no seller id in
    the URL, so no one can open another seller's dashboard.
    """
    profile = selectors.seller_profile_for(request.user)
    if profile is None:
        return render(request, "sellers/not_a_seller.html")

    policy = current_policy()
    data = selectors.level_dashboard(profile=profile, today=clock.local_today(), policy=policy)
    charted = [
        (series, charts.sparkline([point.value for point in series.points]))
        for series in data.series
    ]
    context = {
        "data": data,
        "policy": policy,
        "charted": charted,
        "next_level": None if data.keeping_top_level else data.target_rule.number,
    }
    return render(request, "sellers/dashboard.html", context)


def level_help(request):
    """Explain the level policy in force: criteria, thresholds, grace period, caps and ranking."""
    policy = current_policy()
    context = {
        "policy": policy,
        "levels": selectors.level_summaries(policy),
        "criterion_labels": selectors.CRITERION_LABELS,
    }
    return render(request, "sellers/level_help.html", context)


@login_required
def exclusion_requests(request):
    """List the signed-in seller's exclusion requests and what staff excluded from their metrics.

    Like the dashboard, the page takes no seller id, so it shows only the
    requesting user's own requests.
    """
    profile = selectors.seller_profile_for(request.user)
    if profile is None:
        return render(request, "sellers/not_a_seller.html")

    page = Paginator(selectors.exclusion_requests_of(request.user), EXCLUSION_REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "excluded": selectors.excluded_items_of(request.user),
        "excluded_shown": selectors.EXCLUDED_SHOWN,
    }
    return render(request, "sellers/exclusion_requests.html", context)


def _preselected_target(request):
    """Return the order or inquiry named by ?order= or ?inquiry=, or None when neither is given.

    Raises Http404 when the named one is not the seller's own, as the order
    and inquiry pages do for a stranger.
    """
    for kind in ("order", "inquiry"):
        pk = request.GET.get(kind)
        if pk is None:
            continue
        target = find_target(request.user, f"{kind}:{pk}")
        if target is None:
            raise Http404("Order or inquiry not found among the seller's own.")
        return target
    return None


@login_required
def exclusion_request_new(request):
    """Let the signed-in seller ask staff to exclude a cancelled order or a spam inquiry."""
    profile = selectors.seller_profile_for(request.user)
    if profile is None:
        return render(request, "sellers/not_a_seller.html")

    preselected = _preselected_target(request)
    data = request.POST if request.method == "POST" else None
    form = ExclusionRequestForm(data, seller=request.user, preselected=preselected)
    if form.is_bound and form.is_valid():
        try:
            exclusion_request_create(
                seller=request.user, reason=form.cleaned_data["reason"], **form.target_arguments(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Your request is sent. Staff will decide on it, and the decision will show on this page."),
            )
            return redirect("sellers:exclusion_requests")

    status = 400 if form.errors else 200
    return render(request, "sellers/exclusion_request_form.html", {"form": form}, status=status)
