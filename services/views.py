from django.core.paginator import Paginator
from django.shortcuts import render

from services import selectors

# 24 fills whole rows whether the grid shows one, two, three or four columns.
SERVICES_PER_PAGE = 24


def service_list(request):
    """Show the active services in the recommended order, one page at a time."""
    paginator = Paginator(selectors.service_list_recommended(), SERVICES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))

    services = list(page.object_list)
    for service in services:
        service.displayed_rating = selectors.displayed_rating(service)

    return render(request, "services/service_list.html", {"page": page, "services": services})
