"""The caps a seller's level puts on services: price range and active count."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from levels.policy import current_policy


def seller_level(seller) -> int:
    profile = getattr(seller, "seller_profile", None)
    if profile is None:
        raise ValidationError(
            {"seller": _("Only sellers can offer services. Become a seller first.")},
            code="not_a_seller",
        )
    return profile.level


def check_caps(service) -> None:
    """Raise ValidationError when ``service`` breaks the caps of its seller's level.

    The count cap reads the other active services of the seller, so callers
    that save the result lock the seller's profile row first (see
    services.services), or two requests could both pass the count.
    """
    rule = current_policy().level(seller_level(service.seller))
    errors = {}

    if not rule.min_price <= service.price <= rule.max_price:
        errors["price"] = ValidationError(
            _(
                "On level %(level)s a service costs from %(min)s to %(max)s USD. "
                "Reach a higher level to charge more."
            ),
            code="price_outside_level",
            params={"level": rule.number, "min": rule.min_price, "max": rule.max_price},
        )

    if service.status == service.Status.ACTIVE:
        others = (
            type(service).objects.filter(seller_id=service.seller_id, status=service.Status.ACTIVE)
            .exclude(pk=service.pk)
            .count()
        )
        if others >= rule.max_active_services:
            errors["status"] = ValidationError(
                _(
                    "Level %(level)s allows at most %(cap)s active services. Pause another "
                    "service first, or reach a higher level to publish more."
                ),
                code="too_many_active_services",
                params={"level": rule.number, "cap": rule.max_active_services},
            )

    if errors:
        raise ValidationError(errors)
