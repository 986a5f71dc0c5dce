"""Cache invalidation on service writes that go through save() and delete().

Bulk writes (pausing after a demotion, the ranking refresh, the import) skip
these signals and bump the listing version themselves.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from services.listing_cache import bump_listing_version
from services.models import Category, Service


@receiver([post_save, post_delete], sender=Service)
@receiver([post_save, post_delete], sender=Category)
def drop_listing_counts(sender, **kwargs):
    bump_listing_version()
