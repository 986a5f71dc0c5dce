"""Sign up, becoming a seller, and managing one's services within the caps."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from sellers.models import SellerProfile
from services.models import Service
from tests.factories import CategoryFactory, ServiceFactory, UserFactory, seller

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("services:create")


def field_html(response, name: str) -> str:
    """Return the HTML of one form field group: label, input, help and errors."""
    html = response.content.decode()
    return html.split(f'id="field-{name}"', 1)[1].split("</div>", 1)[0]


def service_data(**overrides):
    category = CategoryFactory(slug="design")
    data = {
        "title": "تصميم شعار", "category": category.pk, "description": "",
        "price": "20", "delivery_days": "3", "status": "active",
    }
    return {**data, **overrides}


@pytest.fixture
def seller_client(client):
    user = seller(level=1)
    client.force_login(user)
    client.user = user
    return client


def test_sign_up_creates_account_and_signs_in(client):
    response = client.post(reverse("accounts:sign_up"), {
        "username": "sara", "display_name": "سارة", "email": "sara@example.com",
        "password1": "long-Pass-4821", "password2": "long-Pass-4821",
    })

    assert response.status_code == 302
    user = User.objects.get(username="sara")
    assert user.display_name == "سارة"
    assert user.check_password("long-Pass-4821")
    assert "سارة" in client.get(reverse("services:list")).content.decode()


def test_sign_up_errors_next_to_fields(client):
    UserFactory(username="taken", email="taken@example.com")

    response = client.post(reverse("accounts:sign_up"), {
        "username": "taken", "display_name": "", "email": "taken@example.com",
        "password1": "a", "password2": "b",
    })

    assert response.status_code == 400
    assert "errorlist" in field_html(response, "username")
    assert "errorlist" in field_html(response, "display_name")
    assert "errorlist" in field_html(response, "email")
    assert "errorlist" in field_html(response, "password2")


def test_sign_in_and_out(client):
    UserFactory(username="omar")

    response = client.post(reverse("accounts:sign_in"), {"username": "omar", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session

    client.post(reverse("accounts:sign_out"))
    assert "_auth_user_id" not in client.session


def test_become_seller_creates_level_1_profile(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("accounts:become_seller"))
    response = client.post(reverse("accounts:become_seller"))

    assert page.status_code == 200
    assert response.status_code == 302
    assert SellerProfile.objects.get(user=user).level == 1


def test_become_seller_needs_sign_in(client):
    response = client.post(reverse("accounts:become_seller"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not SellerProfile.objects.exists()


def test_my_services_sends_buyers_to_become_seller(client):
    client.force_login(UserFactory())

    response = client.get(reverse("services:mine"))

    assert response["Location"] == reverse("accounts:become_seller")


def test_create_service_with_arabic_digits(seller_client):
    response = seller_client.post(CREATE_URL, service_data(price="٤٩٫٥٠", delivery_days="٧"))

    assert response.status_code == 302
    service = Service.objects.get()
    assert service.price == Decimal("49.50")
    assert service.delivery_days == 7
    assert service.status == Service.Status.ACTIVE
    assert service.seller == seller_client.user


def test_price_above_level_error_next_to_price(seller_client):
    response = seller_client.post(CREATE_URL, service_data(price="60"))

    assert response.status_code == 400
    price = field_html(response, "price")
    assert "errorlist" in price
    assert "المستوى 1" in price
    assert "50.00" in price
    assert "errorlist" not in field_html(response, "status")
    assert not Service.objects.exists()


def test_sixth_active_service_error_next_to_status(seller_client):
    ServiceFactory.create_batch(5, seller=seller_client.user)

    response = seller_client.post(CREATE_URL, service_data())

    assert response.status_code == 400
    status = field_html(response, "status")
    assert "errorlist" in status
    assert "5" in status
    assert "أوقف" in status
    assert "errorlist" not in field_html(response, "price")
    assert Service.objects.count() == 5


def test_sixth_service_as_draft_allowed(seller_client):
    ServiceFactory.create_batch(5, seller=seller_client.user)

    response = seller_client.post(CREATE_URL, service_data(status="draft"))

    assert response.status_code == 302
    assert Service.objects.filter(status=Service.Status.DRAFT).count() == 1


def test_cap_message_in_english(seller_client):
    seller_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = seller_client.post(CREATE_URL, service_data(price="60"))

    assert "Reach a higher level to charge more." in field_html(response, "price")


@pytest.mark.parametrize("field, value", [
    ("price", "abc"), ("price", "1e2"), ("price", "12.345"), ("price", "9" * 40),
    ("price", "99999999"), ("delivery_days", "0"), ("delivery_days", "999999999999"),
    ("delivery_days", "x"), ("title", ""), ("title", "t" * 300), ("category", "999999"),
    ("category", "abc"), ("status", "paused"), ("title", "nul\x00"),
])
def test_bad_service_input_is_400_with_field_error(seller_client, field, value):
    response = seller_client.post(CREATE_URL, service_data(**{field: value}))

    assert response.status_code == 400
    assert "errorlist" in field_html(response, field)
    assert not Service.objects.exists()


def test_edit_own_service(seller_client):
    service = ServiceFactory(seller=seller_client.user, price=Decimal("20"))
    url = reverse("services:edit", kwargs={"pk": service.pk})

    form = seller_client.get(url)
    response = seller_client.post(url, service_data(title="جديد", price="٣٠"))

    assert form.status_code == 200
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.title == "جديد"
    assert service.price == Decimal("30")


def test_edit_price_above_cap_rejected(seller_client):
    service = ServiceFactory(seller=seller_client.user, price=Decimal("20"))

    response = seller_client.post(reverse("services:edit", kwargs={"pk": service.pk}), service_data(price="51"))

    assert response.status_code == 400
    assert "50.00" in field_html(response, "price")
    service.refresh_from_db()
    assert service.price == Decimal("20")


def test_pause_and_reactivate(seller_client):
    service = ServiceFactory(seller=seller_client.user)

    seller_client.post(reverse("services:pause", kwargs={"pk": service.pk}))
    service.refresh_from_db()
    assert service.status == Service.Status.PAUSED
    assert service.pause_reason == Service.PauseReason.SELLER

    seller_client.post(reverse("services:activate", kwargs={"pk": service.pk}))
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE
    assert service.pause_reason == ""


def test_reactivate_over_cap_explained_on_row(seller_client):
    ServiceFactory.create_batch(5, seller=seller_client.user)
    paused = ServiceFactory(
        seller=seller_client.user, status=Service.Status.PAUSED, pause_reason=Service.PauseReason.SELLER,
    )

    response = seller_client.post(reverse("services:activate", kwargs={"pk": paused.pk}))

    assert response.status_code == 400
    row = response.content.decode().split(f'id="service-{paused.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "errorlist" in row
    paused.refresh_from_db()
    assert paused.status == Service.Status.PAUSED


def test_pause_needs_post(seller_client):
    service = ServiceFactory(seller=seller_client.user)

    assert seller_client.get(reverse("services:pause", kwargs={"pk": service.pk})).status_code == 405


def test_my_services_lists_every_status(seller_client):
    ServiceFactory(seller=seller_client.user, title="active one")
    ServiceFactory(seller=seller_client.user, title="draft one", status=Service.Status.DRAFT)
    ServiceFactory(title="someone else's")

    html = seller_client.get(reverse("services:mine")).content.decode()

    assert "active one" in html
    assert "draft one" in html
    assert "someone else" not in html
