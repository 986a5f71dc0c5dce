"""A lock with an expiry, kept in the cache (Redis in production).

``cache.add`` is atomic on Redis (SET NX) and on the database cache, so two
processes cannot both take the lock. The expiry frees it if its holder dies.
"""

import contextlib
import logging
import uuid

from django.core.cache import cache

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def expiring_lock(name: str, *, timeout: int):
    """Yield True when this process took the lock ``name``, False when another holds it."""
    key = f"lock:{name}"
    token = uuid.uuid4().hex
    acquired = cache.add(key, token, timeout)
    if not acquired:
        logger.info("Lock %s is held by another process", name)
    try:
        yield acquired
    finally:
        # NOTE: the check and the delete are two calls, so a holder that
        # outlived the expiry could delete a newer holder's lock. The expiry
        # is set well above the longest expected run to keep that out of reach.
        if acquired and cache.get(key) == token:
            cache.delete(key)
