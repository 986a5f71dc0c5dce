"""The listing's rendered content is cached until services change."""

from decimal import Decimal

import pytest
from django.urls import reverse

from levels.policy import DEFAULT_POLICY
from services.models import Service
from services.services import pause_services_over_caps, services_rank_refresh
from tests.factories import ServiceFactory, seller

pytestmark = pytest.mark.django_db

LIST_URL = reverse("services:list")


def test_second_view_is_served_from_cache(client, django_assert_num_queries):
    ServiceFactory(title="خدمة أولى")
    client.get(LIST_URL)

    with django_assert_num_queries(0):
        response = client.get(LIST_URL)

    assert "خدمة أولى" in response.content.decode()


def test_saving_a_service_drops_the_cache(client):
    service = ServiceFactory(title="قبل")
    client.get(LIST_URL)

    service.title = "بعد"
    service.save()

    assert "بعد" in client.get(LIST_URL).content.decode()


def test_rank_refresh_drops_the_cache(client):
    low = ServiceFactory(title="منخفض", seller=seller(level=1))
    ServiceFactory(title="مرتفع", seller=seller(level=2))
    first = client.get(LIST_URL).content.decode()
    assert first.index("مرتفع") < first.index("منخفض")

    services_rank_refresh(ranks={low.seller_id: (3, 0.9)})

    second = client.get(LIST_URL).content.decode()
    assert second.index("منخفض") < second.index("مرتفع")


def test_pausing_after_demotion_drops_the_cache(client):
    service = ServiceFactory(title="غالية", price=Decimal("90.00"), seller=seller(level=2))
    assert "غالية" in client.get(LIST_URL).content.decode()

    pause_services_over_caps(demotions={service.seller_id: 1}, as_of=service.created_at.date(), policy=DEFAULT_POLICY)

    assert Service.objects.get(pk=service.pk).status == Service.Status.PAUSED
    assert "غالية" not in client.get(LIST_URL).content.decode()


def test_languages_are_cached_apart(client):
    ServiceFactory()
    arabic = client.get(LIST_URL, headers={"accept-language": "ar"}).content.decode()
    english = client.get(LIST_URL, headers={"accept-language": "en"}).content.decode()

    assert "الخدمات" in arabic
    assert "All categories" in english
