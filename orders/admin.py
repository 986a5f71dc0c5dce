from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Review

USER_SEARCH = ("username", "display_name", "external_id")

# NOTE: the exclusion fields are read-only here because an exclusion must
# record who made it and when, and there is no service function for that yet.
# Staff cannot exclude an order, a review or an inquiry until one exists.
EXCLUSION_FIELDS = ("excluded", "excluded_reason", "excluded_at", "excluded_by")


def user_search_fields(*relations: str) -> tuple[str, ...]:
    """Return search fields matching the username, display name and external id of each relation."""
    return tuple(f"{relation}__{field}" for relation in relations for field in USER_SEARCH)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "__str__", "service", "seller", "buyer", "price", "status",
        "created_at", "completed_at", "cancelled_at", "excluded",
    )
    list_filter = ("status", "excluded", "cancelled_by", "created_at", "completed_at")
    search_fields = ("external_id", "service__title", *user_search_fields("seller", "buyer"))
    list_select_related = ("service", "seller", "buyer")
    autocomplete_fields = ("service", "seller", "buyer")
    readonly_fields = EXCLUSION_FIELDS
    # Latest stored first. The primary key index serves this order, whereas
    # sorting a large table by an unindexed date would read every row.
    ordering = ("-pk",)
    show_full_result_count = False


class RatingListFilter(admin.SimpleListFilter):
    """Ratings 1 to 5, listed without the SELECT DISTINCT over every review
    that Django's default filter for an integer column runs on each page."""

    title = _("rating")
    parameter_name = "rating"
    ratings = ("1", "2", "3", "4", "5")

    def lookups(self, request, model_admin):
        return [(rating, rating) for rating in self.ratings]

    def queryset(self, request, queryset):
        if self.value() not in self.ratings:
            return queryset
        return queryset.filter(rating=int(self.value()))


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("__str__", "order", "seller", "rating", "created_at", "excluded")
    list_filter = (RatingListFilter, "excluded", "created_at")
    search_fields = ("external_id", "order__external_id", *user_search_fields("seller"))
    list_select_related = ("order", "seller")
    autocomplete_fields = ("order", "seller")
    readonly_fields = EXCLUSION_FIELDS
    # Latest stored first. The primary key index serves this order, whereas
    # sorting a large table by an unindexed date would read every row.
    ordering = ("-pk",)
    show_full_result_count = False
