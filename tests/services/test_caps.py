"""Caps of a seller's level on services: price range, active count, database bounds."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from services.models import Service
from services.services import service_activate, service_create, service_pause, service_update
from tests import factories


def create(seller, price="20.00", **fields):
    return service_create(
        seller=seller, title="تصميم شعار", category=factories.CategoryFactory(slug="design"),
        price=price, **fields,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("level", "price", "allowed"),
    [
        (1, "5.00", True),
        (1, "4.99", False),
        (1, "50.00", True),
        (1, "50.01", False),
        (2, "100.00", True),
        (2, "100.01", False),
        (3, "200.00", True),
        (3, "200.01", False),
    ],
)
def test_price_range_edges(level, price, allowed):
    seller = factories.seller(level=level)

    if allowed:
        assert create(seller, price).price == Decimal(price)
    else:
        with pytest.raises(ValidationError) as raised:
            create(seller, price)
        assert "price" in raised.value.message_dict


@pytest.mark.django_db
def test_price_error_names_the_cap_in_arabic():
    from django.utils import translation

    seller = factories.seller(level=1)
    with translation.override("ar"), pytest.raises(ValidationError) as raised:
        create(seller, "60")

    message = raised.value.message_dict["price"][0]
    assert "50.00" in message
    assert "المستوى" in message


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "expected"), [("٤٩٫٥٠", "49.50"), ("٥", "5"), ("۱۲.۵", "12.5")])
def test_arabic_indic_digits_are_accepted(typed, expected):
    service = create(factories.seller(), typed)
    assert service.price == Decimal(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1e2", "1,000", "NaN", "inf", "12.345", "", "١٢.٥.٠"])
def test_malformed_prices_are_rejected(typed):
    with pytest.raises(ValidationError):
        create(factories.seller(), typed)
    assert not Service.objects.exists()


@pytest.mark.django_db
def test_sixth_active_service_is_rejected_on_level_1():
    seller = factories.seller(level=1)
    for _ in range(5):
        create(seller)

    with pytest.raises(ValidationError) as raised:
        create(seller)

    assert "5" in raised.value.message_dict["status"][0]
    assert Service.objects.filter(seller=seller, status=Service.Status.ACTIVE).count() == 5


@pytest.mark.django_db
def test_drafts_and_paused_services_do_not_count():
    seller = factories.seller(level=1)
    for _ in range(5):
        create(seller)
    draft = create(seller, status=Service.Status.DRAFT)
    service_pause(service=Service.objects.filter(seller=seller, status="active").first())

    activated = service_activate(service=draft)

    assert activated.status == Service.Status.ACTIVE
    assert Service.objects.filter(seller=seller, status=Service.Status.ACTIVE).count() == 5


@pytest.mark.django_db
def test_reactivation_beyond_cap_is_rejected():
    seller = factories.seller(level=1)
    services = [create(seller) for _ in range(5)]
    service_pause(service=services[0])
    create(seller)

    with pytest.raises(ValidationError):
        service_activate(service=services[0])


@pytest.mark.django_db
def test_repricing_above_cap_is_rejected():
    service = create(factories.seller(level=1))
    with pytest.raises(ValidationError):
        service_update(service=service, price="75")
    service.refresh_from_db()
    assert service.price == Decimal("20.00")


@pytest.mark.django_db
def test_level_2_allows_ten_services():
    seller = factories.seller(level=2)
    for _ in range(10):
        create(seller)
    with pytest.raises(ValidationError):
        create(seller)


@pytest.mark.django_db
def test_non_seller_cannot_create_service():
    with pytest.raises(ValidationError) as raised:
        create(factories.UserFactory())
    assert "seller" in raised.value.message_dict


@pytest.mark.django_db
def test_database_rejects_price_outside_global_bounds():
    service = factories.ServiceFactory(price=Decimal("20.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=service.pk).update(price=Decimal("200.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.filter(pk=service.pk).update(price=Decimal("4.99"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_cannot_pass_the_cap():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")

    seller = factories.seller(level=1)
    category = factories.CategoryFactory(slug="design")
    for _ in range(4):
        create(seller)

    barrier = threading.Barrier(6)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            service_create(seller=seller, title="خدمة متزامنة", category=category, price="10")
            outcomes.append("created")
        except ValidationError:
            outcomes.append("rejected")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("created") == 1
    assert outcomes.count("rejected") == 5
    assert Service.objects.filter(seller=seller, status=Service.Status.ACTIVE).count() == 5
