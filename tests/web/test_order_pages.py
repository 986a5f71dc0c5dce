"""Order and inquiry pages, and that only the two parties reach them."""

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message
from conversations.services import inquiry_start
from orders.models import Order, Review
from orders.services import order_complete, order_deliver, order_place
from services.models import Service
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory()


@pytest.fixture
def buyer():
    return UserFactory()


@pytest.fixture
def order(service, buyer):
    return order_place(buyer=buyer, service=service)


@pytest.fixture
def inquiry(service, buyer):
    return inquiry_start(buyer=buyer, seller=service.seller, service=service, body="سؤال")


def order_url(name, order):
    return reverse(f"orders:{name}", kwargs={"pk": order.pk})


def test_buyer_orders_from_service_page(client, service, buyer):
    client.force_login(buyer)

    response = client.post(reverse("orders:place", kwargs={"service_pk": service.pk}))

    order = Order.objects.get()
    assert response["Location"] == order_url("detail", order)
    assert order.buyer == buyer
    assert order.price == service.price


def test_seller_cannot_order_own_service(client, service):
    client.force_login(service.seller)

    response = client.post(reverse("orders:place", kwargs={"service_pk": service.pk}), follow=True)

    assert response.status_code == 200
    assert not Order.objects.exists()


def test_order_place_needs_post(client, service, buyer):
    client.force_login(buyer)

    assert client.get(reverse("orders:place", kwargs={"service_pk": service.pk})).status_code == 405


def test_order_walkthrough_through_pages(client, service, buyer, order):
    deliver_action = f'action="{order_url("deliver", order)}"'
    client.force_login(buyer)
    assert deliver_action not in client.get(order_url("detail", order)).content.decode()
    client.force_login(service.seller)
    assert deliver_action in client.get(order_url("detail", order)).content.decode()
    client.post(order_url("deliver", order))

    client.force_login(buyer)
    client.post(order_url("complete", order))
    response = client.post(order_url("review", order), {"rating": "٥", "comment": "رائع"})

    order.refresh_from_db()
    assert response.status_code == 302
    assert order.status == Order.Status.COMPLETED
    assert order.review.rating == 5


def test_invalid_transition_shows_message_not_error(client, order, buyer):
    client.force_login(buyer)

    response = client.post(order_url("complete", order), follow=True)

    assert response.status_code == 200
    assert "flash--error" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.OPEN


def test_cancel_without_reason_errors_next_to_field(client, order, buyer):
    client.force_login(buyer)

    response = client.post(order_url("cancel", order), {"reason": "  "})

    assert response.status_code == 400
    field = response.content.decode().split('id="field-reason"', 1)[1].split("</div>", 1)[0]
    assert "errorlist" in field


def test_cancel_with_reason(client, order, service):
    client.force_login(service.seller)

    client.post(order_url("cancel", order), {"reason": "لا أستطيع"})

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancelled_by == Order.Party.SELLER


@pytest.mark.parametrize("rating", ["0", "6", "x", "", "٩"])
def test_bad_rating_is_400(client, service, buyer, order, rating):
    order_complete(order=order_deliver(order=order, actor=service.seller), actor=buyer)
    client.force_login(buyer)

    response = client.post(order_url("review", order), {"rating": rating})

    assert response.status_code == 400
    assert not Review.objects.exists()


def test_buyer_and_seller_lists(client, service, buyer, order):
    client.force_login(buyer)
    purchases = client.get(reverse("orders:purchases")).content.decode()
    client.force_login(service.seller)
    sales = client.get(reverse("orders:sales")).content.decode()

    assert order_url("detail", order) in purchases
    assert order_url("detail", order) in sales


@pytest.mark.parametrize("count", [5, 30])
def test_order_list_query_count_constant(client, django_assert_num_queries, buyer, count):
    for _ in range(count):
        order_place(buyer=buyer, service=ServiceFactory())
    client.force_login(buyer)

    # Session, user, seller profile for the navigation, count and page.
    with django_assert_num_queries(5):
        client.get(reverse("orders:purchases"))


@pytest.mark.parametrize("name", ["detail", "deliver", "complete", "cancel", "review"])
def test_stranger_gets_404_on_order(client, order, name):
    client.force_login(UserFactory())

    response = client.post(order_url(name, order), {"reason": "x", "rating": "5"}) if name != "detail" \
        else client.get(order_url(name, order))

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.OPEN


def test_other_seller_does_not_see_order(client, order):
    client.force_login(ServiceFactory().seller)

    assert client.get(order_url("detail", order)).status_code == 404


def test_anonymous_sent_to_sign_in(client, order):
    response = client.get(order_url("detail", order))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_inquiry_from_service_page(client, service, buyer):
    client.force_login(buyer)

    response = client.post(reverse("conversations:start", kwargs={"service_pk": service.pk}), {"body": "مرحبا"})

    conversation = Conversation.objects.get()
    assert response["Location"] == reverse("conversations:detail", kwargs={"pk": conversation.pk})
    assert conversation.service == service
    assert conversation.messages.get().body == "مرحبا"


def test_inquiry_empty_body_is_400(client, service, buyer):
    client.force_login(buyer)

    response = client.post(reverse("conversations:start", kwargs={"service_pk": service.pk}), {"body": ""})

    assert response.status_code == 400
    assert not Conversation.objects.exists()


def test_seller_cannot_inquire_own_service(client, service):
    client.force_login(service.seller)

    response = client.post(reverse("conversations:start", kwargs={"service_pk": service.pk}), {"body": "x"})

    assert response.status_code == 400
    assert not Conversation.objects.exists()


def test_inquiry_on_paused_service_is_404(client, buyer):
    service = ServiceFactory(status=Service.Status.PAUSED, pause_reason=Service.PauseReason.SELLER)
    client.force_login(buyer)

    assert client.get(reverse("conversations:start", kwargs={"service_pk": service.pk})).status_code == 404


def test_seller_reply_sets_first_reply(client, inquiry, service):
    client.force_login(service.seller)

    client.post(reverse("conversations:detail", kwargs={"pk": inquiry.pk}), {"body": "أهلا"})

    inquiry.refresh_from_db()
    assert inquiry.first_reply_at is not None
    assert inquiry.messages.last().sender == Message.Sender.SELLER


def test_inbox_and_sent_lists(client, inquiry, service, buyer):
    url = reverse("conversations:detail", kwargs={"pk": inquiry.pk})
    client.force_login(service.seller)
    inbox = client.get(reverse("conversations:inbox")).content.decode()
    client.force_login(buyer)
    sent = client.get(reverse("conversations:sent")).content.decode()

    assert url in inbox
    assert url in sent


def test_stranger_gets_404_on_inquiry(client, inquiry):
    client.force_login(UserFactory())
    url = reverse("conversations:detail", kwargs={"pk": inquiry.pk})

    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "x"}).status_code == 404
    assert inquiry.messages.count() == 1


def test_other_sellers_inbox_hides_inquiry(client, inquiry):
    client.force_login(ServiceFactory().seller)

    html = client.get(reverse("conversations:inbox")).content.decode()

    assert reverse("conversations:detail", kwargs={"pk": inquiry.pk}) not in html


@pytest.mark.parametrize("name", ["edit", "pause", "activate"])
def test_seller_cannot_touch_others_service(client, service, name):
    client.force_login(ServiceFactory().seller)
    url = reverse(f"services:{name}", kwargs={"pk": service.pk})

    response = client.get(url) if name == "edit" else client.post(url)

    assert response.status_code == 404
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE


def test_edit_post_on_others_service_is_404(client, service):
    client.force_login(ServiceFactory().seller)

    response = client.post(reverse("services:edit", kwargs={"pk": service.pk}), {"title": "stolen"})

    assert response.status_code == 404
    service.refresh_from_db()
    assert service.title != "stolen"
