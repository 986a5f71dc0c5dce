"""Reads of services for the public pages."""

import dataclasses
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property

from levels import values
from services.listing_cache import cached_counts
from services.models import Category, Service


def service_list_recommended() -> QuerySet[Service]:
    """Return the active services in the recommended order, ready to render.

    Higher seller levels come first, then a higher ranking score within the
    level, then the newest service. The order reads the ranking columns that
    every evaluation copies onto the services, so the database walks one index
    instead of sorting every active service. The seller's metrics are
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
            "-rank_level",
            "-rank_score",
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


# Sort keys of the listing; the first is the default.
SORT_RECOMMENDED = "recommended"
SORT_PRICE_LOW = "price"
SORT_PRICE_HIGH = "-price"
SORT_RATING = "rating"
SORT_NEWEST = "newest"
SORTS = (SORT_RECOMMENDED, SORT_PRICE_LOW, SORT_PRICE_HIGH, SORT_RATING, SORT_NEWEST)


@dataclasses.dataclass(frozen=True)
class ServiceFilters:
    """Search, filters and sort of the listing. None or "" turns a filter off."""

    search: str = ""
    category: str = ""
    level: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: str = SORT_RECOMMENDED


def _matching(filters: ServiceFilters, prefix: str = "", *, with_category: bool = True) -> Q:
    """Return the condition on services that ``filters`` select.

    ``prefix`` is the path to the service ("services__" from a category), so the
    same condition filters the page and counts the services per category.
    """
    condition = Q(**{f"{prefix}status": Service.Status.ACTIVE})
    if filters.search:
        condition &= Q(**{f"{prefix}title__icontains": filters.search}) | Q(
            **{f"{prefix}description__icontains": filters.search}
        )
    if with_category and filters.category:
        condition &= Q(**{f"{prefix}category__slug": filters.category})
    if filters.level is not None:
        condition &= Q(**{f"{prefix}rank_level": filters.level})
    if filters.min_price is not None:
        condition &= Q(**{f"{prefix}price__gte": filters.min_price})
    if filters.max_price is not None:
        condition &= Q(**{f"{prefix}price__lte": filters.max_price})
    return condition


def service_search(filters: ServiceFilters) -> QuerySet[Service]:
    """Return the active services that match ``filters``, in the order asked for."""
    queryset = service_list_recommended().filter(_matching(filters))

    if filters.sort == SORT_PRICE_LOW:
        return queryset.order_by("price", "-created_at", "-pk")
    if filters.sort == SORT_PRICE_HIGH:
        return queryset.order_by("-price", "-created_at", "-pk")
    if filters.sort == SORT_NEWEST:
        return queryset.order_by("-created_at", "-pk")
    if filters.sort == SORT_RATING:
        mean = Cast("seller_rating_sum", FloatField()) / NullIf(F("seller_rating_count"), 0)
        return queryset.annotate(seller_rating_mean=mean).order_by(
            F("seller_rating_mean").desc(nulls_last=True),
            F("seller_rating_count").desc(nulls_last=True),
            "-created_at",
            "-pk",
        )
    return queryset


def category_facets(filters: ServiceFilters) -> list[Category]:
    """Return every category with ``matching``: its services that pass the other filters.

    The category filter itself is left out, so the list still offers the
    other categories once one is chosen. Summing the counts gives the total
    the paginator needs, which saves it a COUNT query. The counts are cached
    until the next write on services.
    """
    matching = _matching(filters, "services__", with_category=False)
    key = repr((filters.search, filters.level, filters.min_price, filters.max_price))
    return cached_counts(key, lambda: list(
        Category.objects.annotate(matching=Count("services", filter=matching)).order_by("slug")
    ))


class CountedPaginator(Paginator):
    """A paginator given its item count, which saves the COUNT query."""

    def __init__(self, object_list, per_page, *, count: int, **options):
        super().__init__(object_list, per_page, **options)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclasses.dataclass
class ServicePage:
    page: Page
    services: list[Service]
    categories: list[Category]
    category: Category | None


def service_page(filters: ServiceFilters, page_number, *, per_page: int,
                 unknown_category_404: bool = False) -> ServicePage:
    """Return one page of the listing with the category counts, in two queries.

    A ``filters.category`` that names no category raises Http404 when
    ``unknown_category_404`` is set (a category page), and is ignored otherwise.
    """
    categories = category_facets(filters)
    category = None
    if filters.category:
        category = next((c for c in categories if c.slug == filters.category), None)
        if category is None and unknown_category_404:
            raise Http404("No such category")
        if category is None:
            filters = dataclasses.replace(filters, category="")

    total = category.matching if category else sum(c.matching for c in categories)
    paginator = CountedPaginator(service_search(filters), per_page, count=total)
    page = paginator.get_page(page_number)
    services = list(page.object_list)
    for service in services:
        service.displayed_rating = displayed_rating(service)
    return ServicePage(page=page, services=services, categories=categories, category=category)


def _with_seller_data(queryset: QuerySet[Service]) -> QuerySet[Service]:
    return queryset.select_related(
        "category", "seller", "seller__seller_profile", "seller__level_metrics",
    )


def service_detail(pk: int) -> Service:
    """Return active service ``pk`` with its seller's profile and metrics; Http404 otherwise."""
    return get_object_or_404(
        _with_seller_data(Service.objects.filter(status=Service.Status.ACTIVE)), pk=pk,
    )


def seller_for_profile(username: str):
    """Return the seller ``username`` with profile and metrics selected; Http404 if not a seller."""
    from accounts.models import User

    return get_object_or_404(
        User.objects.select_related("seller_profile", "level_metrics").filter(
            seller_profile__isnull=False, is_active=True,
        ),
        username=username,
    )


def active_services_of(seller) -> list[Service]:
    return list(
        Service.objects.filter(seller=seller, status=Service.Status.ACTIVE)
        .select_related("category")
        .order_by("-created_at", "-pk")
    )


def services_of_seller(seller) -> list[Service]:
    """Return every service of the seller, for the seller's own management page."""
    return list(
        Service.objects.filter(seller=seller).select_related("category").order_by("-created_at", "-pk")
    )


def owned_service(*, seller, pk: int) -> Service:
    """Return service ``pk`` if ``seller`` owns it; raise Http404 otherwise."""
    return get_object_or_404(Service.objects.select_related("category"), pk=pk, seller=seller)


@dataclasses.dataclass(frozen=True)
class PublicMetrics:
    """The metrics a seller shows buyers, each rounded toward failing."""

    rating: Decimal | None
    review_count: int
    clients: int
    completion_percent: int | None


def public_metrics(seller) -> PublicMetrics:
    """Return the seller's last evaluated metrics for public pages.

    ``seller.level_metrics`` should be selected with the seller. A seller not
    evaluated yet shows no rating, no clients and no completion rate.
    """
    try:
        stored = seller.level_metrics
    except ObjectDoesNotExist:
        return PublicMetrics(rating=None, review_count=0, clients=0, completion_percent=None)

    metric_values = stored.as_values()
    rating = values.rounded_toward_failing(metric_values.rating, 2, higher_is_better=True)
    completion = metric_values.completion_rate
    percent = values.rounded_toward_failing(
        completion * 100 if completion is not None else None, 0, higher_is_better=True,
    )
    return PublicMetrics(
        rating=_fraction_to_decimal(rating),
        review_count=metric_values.rating_count,
        clients=metric_values.clients,
        completion_percent=int(percent) if percent is not None else None,
    )


def _fraction_to_decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))
