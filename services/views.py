import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from services import selectors
from services import services as service_writes
from services.forms import ServiceFilterForm, ServiceForm, add_service_errors
from services.listing_cache import listing_version
from services.models import Category

# A safety net: cached listing pages expire even if a write forgot to bump
# the listing version.
LISTING_CACHE_SECONDS = 300

# 24 fills whole rows whether the grid shows one, two, three or four columns.
SERVICES_PER_PAGE = 24


def _listing(request, *, category_slug: str | None = None):
    # Rendering the filters and 24 cards costs more than the queries, so the
    # rendered content is cached per language and address until the next
    # write on services bumps the listing version.
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"services:listing:{listing_version()}:{get_language()}:{address}"
    cached = cache.get(key)
    if cached is None:
        context = _listing_context(request, category_slug)
        html = render_to_string("services/includes/listing_content.html", context, request=request)
        title = str(context["category"]) if context["category"] else ""
        cached = (html, title)
        cache.set(key, cached, LISTING_CACHE_SECONDS)

    html, title = cached
    return render(request, "services/service_list.html", {"listing_html": mark_safe(html), "title": title})


def _listing_context(request, category_slug):
    # The form is built twice: first to read the filters, then with the
    # category counts that only the filters can produce.
    fixed = Category(slug=category_slug) if category_slug else None
    filters = ServiceFilterForm(request.GET).filters(fixed_category=fixed)
    listing = selectors.service_page(
        filters, request.GET.get("page"), per_page=SERVICES_PER_PAGE,
        unknown_category_404=fixed is not None,
    )
    form = ServiceFilterForm(
        request.GET, categories=listing.categories,
        fixed_category=listing.category if fixed else None,
    )
    form.is_valid()

    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": listing.page,
        "services": listing.services,
        "categories": listing.categories,
        "category": listing.category,
        "form": form,
        "query_without_page": query.urlencode(),
    }


def service_list(request):
    """Show the active services, searched, filtered and sorted, one page at a time."""
    return _listing(request)


def category_detail(request, slug: str):
    """Show the active services of one category, with the listing's filters."""
    return _listing(request, category_slug=slug)


def service_detail(request, pk: int):
    service = selectors.service_detail(pk)
    return render(request, "services/service_detail.html", {
        "service": service,
        "seller": service.seller,
        "metrics": selectors.public_metrics(service.seller),
    })


def seller_detail(request, username: str):
    seller = selectors.seller_for_profile(username)
    return render(request, "services/seller_detail.html", {
        "seller": seller,
        "metrics": selectors.public_metrics(seller),
        "services": selectors.active_services_of(seller),
    })


def _seller_or_redirect(request):
    """Return None for a seller, or a redirect to the page that makes one."""
    if not hasattr(request.user, "seller_profile"):
        messages.info(request, _("Become a seller to offer services."))
        return redirect("accounts:become_seller")
    return None


@login_required
def my_services(request, *, row_errors=None, status=200):
    if (response := _seller_or_redirect(request)) is not None:
        return response
    return render(request, "services/my_services.html", {
        "services": selectors.services_of_seller(request.user),
        "profile": request.user.seller_profile,
        "row_errors": row_errors or {},
    }, status=status)


@login_required
def service_create(request):
    if (response := _seller_or_redirect(request)) is not None:
        return response

    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = service_writes.service_create(seller=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your service “%(title)s” is saved.") % {"title": service.title})
            return redirect("services:mine")

    status = 400 if form.errors else 200
    return render(request, "services/service_form.html", {"form": form, "service": None}, status=status)


@login_required
def service_edit(request, pk: int):
    service = selectors.owned_service(seller=request.user, pk=pk)
    initial = {
        "title": service.title,
        "category": service.category,
        "description": service.description,
        "price": service.price,
        "delivery_days": service.delivery_days,
    }
    form = ServiceForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            service_writes.service_update(service=service, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("services:mine")

    status = 400 if form.errors else 200
    return render(request, "services/service_form.html", {"form": form, "service": service}, status=status)


@login_required
@require_POST
def service_pause(request, pk: int):
    service = selectors.owned_service(seller=request.user, pk=pk)
    service_writes.service_pause(service=service)
    messages.success(request, _("“%(title)s” is paused.") % {"title": service.title})
    return redirect("services:mine")


@login_required
@require_POST
def service_activate(request, pk: int):
    service = selectors.owned_service(seller=request.user, pk=pk)
    try:
        service_writes.service_activate(service=service)
    except ValidationError as error:
        # The row of the service shows why it stays inactive.
        return my_services(request, row_errors={service.pk: error.messages}, status=400)
    messages.success(request, _("“%(title)s” is published.") % {"title": service.title})
    return redirect("services:mine")
