"""The seller's own level dashboard and the public page that explains levels."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from levels.policy import current_policy
from marketplace import clock
from sellers import charts, selectors


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
