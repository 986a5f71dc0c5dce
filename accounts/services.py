"""Writes on accounts."""

import logging

from accounts.models import User

logger = logging.getLogger(__name__)


def user_create(*, username: str, display_name: str, email: str, password: str) -> User:
    """Create an active account with a hashed password."""
    user = User.objects.create_user(
        username=username, email=email, password=password, display_name=display_name,
    )
    logger.info("User %s signed up", user.pk)
    return user
