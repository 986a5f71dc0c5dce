from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from levels.admin import EXCLUDE_FROM_METRICS, GuardedActionsMixin, confirm_and_apply
from levels.exclusions import order_exclude, order_include, review_exclude, review_include
from orders.models import Order, Review

USER_SEARCH = ("username", "display_name", "external_id")

# The exclusion fields are read-only on the change form because an exclusion
# must record who made it, when and why. Staff use the exclude and include
# actions of the list, which call levels.exclusions.
EXCLUSION_FIELDS = ("excluded", "excluded_reason", "excluded_at", "excluded_by")


class ExclusionActionsMixin(GuardedActionsMixin):
    """The "exclude from metrics" and "include again" actions, through levels.exclusions.

    Subclasses set ``exclude_service`` and ``include_service`` (functions
    taking the object under ``service_argument``, a reason and the actor).
    """

    actions = ("exclude_selected", "include_selected")
    action_permissions = {"exclude_selected": EXCLUDE_FROM_METRICS, "include_selected": EXCLUDE_FROM_METRICS}
    service_argument = ""

    @admin.action(description=_("Exclude selected from the level metrics"))
    def exclude_selected(self, request, queryset):
        return self._run_exclusion(request, queryset, type(self).exclude_service,
                                   gettext("Exclude from the level metrics"))

    @admin.action(description=_("Include selected in the level metrics again"))
    def include_selected(self, request, queryset):
        return self._run_exclusion(request, queryset, type(self).include_service,
                                   gettext("Include in the level metrics again"))

    def _run_exclusion(self, request, queryset, service, title):
        def apply(obj, data):
            service(**{self.service_argument: obj, "reason": data["reason"], "actor": request.user})

        explanation = gettext(
            "The change is recorded as a level event with your name and the reason. "
            "It affects the metrics from the next evaluation, or from a re-evaluation of the seller."
        )
        return confirm_and_apply(self, request, queryset, permission=EXCLUDE_FROM_METRICS, title=title,
                                 apply=apply, explanation=explanation)


def user_search_fields(*relations: str) -> tuple[str, ...]:
    """Return search fields matching the username, display name and external id of each relation."""
    return tuple(f"{relation}__{field}" for relation in relations for field in USER_SEARCH)


@admin.register(Order)
class OrderAdmin(ExclusionActionsMixin, admin.ModelAdmin):
    exclude_service = order_exclude
    include_service = order_include
    service_argument = "order"
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
class ReviewAdmin(ExclusionActionsMixin, admin.ModelAdmin):
    exclude_service = review_exclude
    include_service = review_include
    service_argument = "review"
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
