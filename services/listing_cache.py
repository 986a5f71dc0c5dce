"""A cache of the listing's category counts, dropped whenever services change.

Counting the active services per category scans every active service, which
at a hundred thousand sellers costs more than the rest of the page. The
counts are cached under a version number that every write on services bumps,
so a page never shows counts older than the latest change.
"""

import hashlib

from django.core.cache import cache

VERSION_KEY = "services:listing-version"
# A safety net: counts expire even if a write path forgot to bump the version.
COUNTS_SECONDS = 300


def listing_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, None)
        version = cache.get(VERSION_KEY, 1)
    return version


def bump_listing_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # The key expired or was never set: any new value invalidates.
        cache.set(VERSION_KEY, 1, None)


def cached_counts(filters_key: str, compute):
    """Return ``compute()``, cached under the current listing version and ``filters_key``."""
    digest = hashlib.sha256(filters_key.encode()).hexdigest()[:24]
    key = f"services:counts:{listing_version()}:{digest}"
    counts = cache.get(key)
    if counts is None:
        counts = compute()
        cache.set(key, counts, COUNTS_SECONDS)
    return counts
