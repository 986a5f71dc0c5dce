"""Writes on seller profiles that are not level decisions (those live in levels.services)."""

import logging

from django.db import IntegrityError, transaction

from sellers.models import SellerProfile

logger = logging.getLogger(__name__)


def seller_profile_create(*, user) -> SellerProfile:
    """Make ``user`` a seller on level 1; return the existing profile if there is one."""
    try:
        with transaction.atomic():
            profile = SellerProfile.objects.create(user=user)
    except IntegrityError:
        return SellerProfile.objects.get(user=user)

    logger.info("User %s became a seller", user.pk)
    return profile
