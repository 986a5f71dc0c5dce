"""Reads of services for the public pages."""

from decimal import Decimal
from fractions import Fraction

from django.db.models import F, QuerySet

from levels import values
from services.models import Service


def service_list_recommended() -> QuerySet[Service]:
    """Return the active services in the recommended order, ready to render.

    Higher seller levels come first, then a higher ranking score within the
    level, then the newest service. The seller's level and metrics are
    annotated rather than fetched per row, so a page of any length costs one
    query (plus the paginator's count).
    """
    return (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .select_related("category", "seller")
        .annotate(
            seller_level=F("seller__seller_profile__level"),
            seller_score=F("seller__level_metrics__score"),
            seller_rating_sum=F("seller__level_metrics__rating_sum"),
            seller_rating_count=F("seller__level_metrics__rating_count"),
        )
        .order_by(
            F("seller_level").desc(nulls_last=True),
            F("seller_score").desc(nulls_last=True),
            "-created_at",
            # The primary key keeps pages stable when two services share a
            # creation time.
            "-pk",
        )
    )


def displayed_rating(service: Service) -> Decimal | None:
    """Return the seller's mean rating with two decimals, rounded toward failing.

    A mean of 3.996 shows as 3.99, so no one reads a 4.00 that fails the
    level 2 criterion. Returns None when the seller has no counted review.
    ``service`` must come from ``service_list_recommended``.
    """
    if not service.seller_rating_count:
        return None

    mean = Fraction(service.seller_rating_sum, service.seller_rating_count)
    rounded = values.rounded_toward_failing(mean, 2, higher_is_better=True)
    return (Decimal(rounded.numerator) / Decimal(rounded.denominator)).quantize(Decimal("0.01"))
