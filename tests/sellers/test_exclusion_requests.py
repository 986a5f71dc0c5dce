"""The seller's exclusion requests: the form, the list, the links on order and inquiry pages."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from levels import exclusions, nightly
from levels.models import ExclusionRequest, SellerMetrics
from orders.models import Order
from tests.factories import ConversationFactory, OrderFactory, ReviewFactory, ServiceFactory, UserFactory, seller

pytestmark = pytest.mark.django_db

LIST_URL = reverse("sellers:exclusion_requests")
NEW_URL = reverse("sellers:exclusion_request_new")
RIYADH = ZoneInfo("Asia/Riyadh")
D = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 7, 1, 10, tzinfo=RIYADH)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=RIYADH)


def cancelled_order(owner, *, day: dt.date = D) -> Order:
    return OrderFactory(
        service=ServiceFactory(seller=owner, title="تصميم شعار"), status=Order.Status.CANCELLED,
        created_at=noon(day) - dt.timedelta(days=2), cancelled_at=noon(day), cancelled_by=Order.Party.BUYER,
    )


def staff_member():
    return UserFactory(username="staff-helper", is_staff=True)


def text_of(response) -> str:
    """Return the page as text with tags dropped and whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def field_html(response, name: str) -> str:
    """Return the HTML of one form field group: label, input, help and errors."""
    html = response.content.decode()
    return html.split(f'id="field-{name}"', 1)[1].split("</div>", 1)[0]


def post_request(client, target, reason="The buyer asked me to cancel.", language="en", url=NEW_URL):
    return client.post(url, {"target": target, "reason": reason}, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def me(client):
    user = seller(user__display_name="بائعة")
    client.force_login(user)
    return user


# Access


@pytest.mark.parametrize("url", [LIST_URL, NEW_URL])
def test_anonymous_redirected_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_buyer_without_profile_cannot_request(client):
    order = cancelled_order(seller())
    client.force_login(order.buyer)

    response = post_request(client, f"order:{order.pk}")

    assert "your account does not sell yet" in text_of(response)
    assert not ExclusionRequest.objects.exists()


def test_other_seller_cannot_request_my_order(client, me):
    order = cancelled_order(me)
    client.force_login(seller())

    response = post_request(client, f"order:{order.pk}")

    assert response.status_code == 400
    assert "Choose one of your cancelled orders or inquiries" in field_html(response, "target")
    assert not ExclusionRequest.objects.exists()


def test_buyer_who_sells_cannot_request_order(client, me):
    order = cancelled_order(seller())
    order.buyer = me
    order.save(update_fields=["buyer"])

    response = post_request(client, f"order:{order.pk}")

    assert response.status_code == 400
    assert not ExclusionRequest.objects.exists()


def test_other_seller_cannot_request_my_inquiry(client, me):
    inquiry = ConversationFactory(seller=me)
    client.force_login(seller())

    response = post_request(client, f"inquiry:{inquiry.pk}")

    assert response.status_code == 400
    assert not ExclusionRequest.objects.exists()


@pytest.mark.parametrize("query", [
    "order=abc", "order=", "order=-1", "order=99999999999999999999999", "inquiry=1.5", "inquiry=٣",
])
def test_bad_preselection_is_404(client, me, query):
    cancelled_order(me)

    response = client.get(f"{NEW_URL}?{query}")

    assert response.status_code == 404


def test_preselecting_others_order_is_404(client, me):
    order = cancelled_order(seller())
    inquiry = ConversationFactory()

    assert client.get(NEW_URL, {"order": order.pk}).status_code == 404
    assert client.get(NEW_URL, {"inquiry": inquiry.pk}).status_code == 404


@pytest.mark.parametrize("target", [
    "", "order", "order:", "order:abc", "order:99999999999999999999999", "review:1", "inquiry:-3", "order:1 ",
])
def test_malformed_target_is_form_error(client, me, target):
    cancelled_order(me)

    response = post_request(client, target)

    assert response.status_code == 400
    assert "errorlist" in field_html(response, "target")
    assert not ExclusionRequest.objects.exists()


# Filing a request


def test_seller_requests_buyer_cancellation(client, me):
    order = cancelled_order(me)

    response = post_request(client, f"order:{order.pk}")

    assert response.status_code == 302
    assert response.url == LIST_URL
    request = ExclusionRequest.objects.get()
    assert request.seller == me
    assert request.order == order
    assert request.kind == ExclusionRequest.Kind.BUYER_CANCELLATION
    assert request.status == ExclusionRequest.Status.PENDING
    assert request.reason == "The buyer asked me to cancel."


def test_seller_requests_spam_inquiry(client, me):
    inquiry = ConversationFactory(seller=me)

    response = post_request(client, f"inquiry:{inquiry.pk}", reason="Advertising a website.")

    assert response.status_code == 302
    request = ExclusionRequest.objects.get()
    assert request.conversation == inquiry
    assert request.kind == ExclusionRequest.Kind.SPAM_INQUIRY


def test_form_lists_only_requestable_targets(client, me):
    listed = cancelled_order(me)
    open_order = OrderFactory(service=ServiceFactory(seller=me))
    excluded = cancelled_order(me)
    exclusions.order_exclude(order=excluded, reason="Fraud", actor=staff_member())
    pending = cancelled_order(me)
    exclusions.exclusion_request_create(seller=me, order=pending, reason="Buyer left")
    others = cancelled_order(seller())
    inquiry = ConversationFactory(seller=me)

    html = client.get(NEW_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'value="order:{listed.pk}"' in html
    assert f'value="inquiry:{inquiry.pk}"' in html
    for hidden in (open_order, excluded, pending, others):
        assert f'value="order:{hidden.pk}"' not in html


def test_preselected_order_is_selected(client, me):
    cancelled_order(me)
    order = cancelled_order(me)

    html = client.get(NEW_URL, {"order": order.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(rf'<option value="order:{order.pk}" selected>Order #{order.pk}: ', html)


def test_preselected_inquiry_is_selected(client, me):
    inquiry = ConversationFactory(seller=me, buyer=UserFactory(display_name="Sami"))

    html = client.get(NEW_URL, {"inquiry": inquiry.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(rf'<option value="inquiry:{inquiry.pk}" selected>Inquiry from Sami, ', html)


def test_form_without_targets_says_so(client, me):
    response = client.get(NEW_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "no cancelled order or inquiry that could be excluded" in text_of(response)
    assert 'id="exclusion-request-form"' not in response.content.decode()


def test_open_order_rejected_next_to_field(client, me):
    order = OrderFactory(service=ServiceFactory(seller=me))

    response = post_request(client, f"order:{order.pk}", url=f"{NEW_URL}?order={order.pk}")

    assert response.status_code == 400
    assert "Only a cancelled order can be excluded on request." in field_html(response, "target")
    assert not ExclusionRequest.objects.exists()


def test_excluded_order_rejected_next_to_field(client, me):
    order = cancelled_order(me)
    exclusions.order_exclude(order=order, reason="Fraud", actor=staff_member())

    response = post_request(client, f"order:{order.pk}")

    assert response.status_code == 400
    assert "is already excluded from the metrics" in field_html(response, "target")
    # The rejected target stays selected, so the seller sees what the error is about.
    assert f'value="order:{order.pk}" selected' in response.content.decode()


def test_second_pending_request_rejected(client, me):
    order = cancelled_order(me)
    post_request(client, f"order:{order.pk}")

    response = post_request(client, f"order:{order.pk}", reason="Again")

    assert response.status_code == 400
    assert "is already waiting for a decision" in field_html(response, "target")
    assert ExclusionRequest.objects.count() == 1


def test_rejected_request_can_be_filed_again(client, me):
    order = cancelled_order(me)
    first = exclusions.exclusion_request_create(seller=me, order=order, reason="Buyer left")
    exclusions.exclusion_request_decide(request=first, approve=False, note="Send the chat log.", actor=staff_member())

    response = post_request(client, f"order:{order.pk}", reason="The buyer wrote that they no longer need it.")

    assert response.status_code == 302
    assert ExclusionRequest.objects.filter(status=ExclusionRequest.Status.PENDING).count() == 1


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_missing_reason_is_field_error(client, me, reason):
    order = cancelled_order(me)

    response = post_request(client, f"order:{order.pk}", reason=reason)

    assert response.status_code == 400
    assert "Explain why this should not count in your metrics." in field_html(response, "reason")
    assert not ExclusionRequest.objects.exists()


def test_overlong_reason_is_field_error(client, me):
    order = cancelled_order(me)

    response = post_request(client, f"order:{order.pk}", reason="x" * 2001)

    assert response.status_code == 400
    assert "errorlist" in field_html(response, "reason")


def test_errors_in_arabic(client, me):
    order = OrderFactory(service=ServiceFactory(seller=me))

    response = post_request(client, f"order:{order.pk}", reason="", language="ar")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "اشرح لماذا" in field_html(response, "reason")
    assert "Explain why" not in html
    assert "Order or inquiry" not in html


# The list of requests and exclusions


def test_list_shows_status_note_and_decision_date(client, me):
    pending = exclusions.exclusion_request_create(
        seller=me, order=cancelled_order(me), reason="Buyer changed their mind",
    )
    inquiry = ConversationFactory(seller=me)
    rejected = exclusions.exclusion_request_create(seller=me, conversation=inquiry, reason="Looks like spam")
    exclusions.exclusion_request_decide(
        request=rejected, approve=False, note="The buyer asked a real question.", actor=staff_member(),
    )

    page = text_of(client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en"))

    assert f"Order #{pending.order_id}" in page
    assert "Buyer changed their mind" in page
    assert "Pending" in page
    assert "Waiting for a decision" in page
    assert "Looks like spam" in page
    assert "Rejected" in page
    assert "The buyer asked a real question." in page
    assert "Spam inquiry" in page
    assert "Cancellation caused by the buyer" in page


def test_list_shows_excluded_items_with_reason(client, me):
    actor = staff_member()
    order = cancelled_order(me)
    exclusions.order_exclude(order=order, reason="Card fraud by the buyer", actor=actor)
    completed = OrderFactory(
        service=ServiceFactory(seller=me), status=Order.Status.COMPLETED,
        created_at=noon(D) - dt.timedelta(days=2), completed_at=noon(D),
    )
    excluded_review = ReviewFactory(order=completed, rating=1, created_at=noon(D))
    exclusions.review_exclude(review=excluded_review, reason="Review written by a competitor", actor=actor)
    inquiry = ConversationFactory(seller=me)
    exclusions.conversation_exclude(conversation=inquiry, reason="Bulk advertising", actor=actor)

    page = text_of(client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en"))

    assert "Excluded from your metrics" in page
    assert f"Order #{order.pk}" in page
    assert "Reason: Card fraud by the buyer" in page
    assert "Review rated 1 out of 5" in page
    assert "Reason: Review written by a competitor" in page
    assert "Reason: Bulk advertising" in page
    assert "Nothing is excluded" not in page


def test_list_shows_only_own_requests(client, me):
    other = seller()
    exclusions.exclusion_request_create(seller=other, order=cancelled_order(other), reason="Secret of another")
    exclusions.order_exclude(order=cancelled_order(other), reason="Another's exclusion", actor=staff_member())
    exclusions.exclusion_request_create(seller=me, order=cancelled_order(me), reason="Mine")

    page = text_of(client.get(LIST_URL, {"seller": other.pk}, HTTP_ACCEPT_LANGUAGE="en"))

    assert "Mine" in page
    assert "Secret of another" not in page
    assert "Another's exclusion" not in page
    assert "Nothing is excluded from your metrics." in page


def make_requests(owner, count: int) -> None:
    """File ``count`` requests of both kinds. Staff approve a third of them and reject a third."""
    actor = staff_member()
    for i in range(count):
        if i % 2:
            request = exclusions.exclusion_request_create(
                seller=owner, conversation=ConversationFactory(seller=owner), reason=f"spam {i}",
            )
        else:
            request = exclusions.exclusion_request_create(seller=owner, order=cancelled_order(owner), reason=f"buyer {i}")
        if i % 3 == 1:
            exclusions.exclusion_request_decide(request=request, approve=True, note="Checked", actor=actor)
        elif i % 3 == 2:
            exclusions.exclusion_request_decide(request=request, approve=False, note="Not spam", actor=actor)


@pytest.mark.parametrize("count", [2, 12])
def test_list_query_count_independent_of_requests(client, me, django_assert_num_queries, count):
    make_requests(me, count)

    # Session, user, seller profile, the count and page of requests, and the
    # excluded orders, reviews and inquiries.
    with django_assert_num_queries(8):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    assert len(re.findall(r'class="request-status ', response.content.decode())) == count


def test_list_query_count_same_for_2_and_12(client, me):
    make_requests(me, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST_URL)

    make_requests(me, 10)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST_URL)

    assert len(many) == len(few)


# Links from the dashboard, the order page and the inquiry page


def test_dashboard_links_to_exclusions(client, me):
    html = client.get(reverse("sellers:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="{LIST_URL}"' in html
    assert f'href="{NEW_URL}"' in html


def test_order_page_offers_request_to_seller_only(client, me):
    order = cancelled_order(me)
    link = f'href="{NEW_URL}?order={order.pk}"'
    order_url = reverse("orders:detail", kwargs={"pk": order.pk})

    assert link in client.get(order_url).content.decode()

    client.force_login(order.buyer)
    assert link not in client.get(order_url).content.decode()


def test_order_page_hides_request_when_not_possible(client, me):
    open_order = OrderFactory(service=ServiceFactory(seller=me))
    pending = cancelled_order(me)
    exclusions.exclusion_request_create(seller=me, order=pending, reason="Buyer left")
    excluded = cancelled_order(me)
    exclusions.order_exclude(order=excluded, reason="Fraud", actor=staff_member())

    for order in (open_order, pending, excluded):
        html = client.get(reverse("orders:detail", kwargs={"pk": order.pk})).content.decode()
        assert NEW_URL not in html, order


def test_inquiry_page_offers_request_to_seller_only(client, me):
    inquiry = ConversationFactory(seller=me)
    link = f'href="{NEW_URL}?inquiry={inquiry.pk}"'
    inquiry_url = reverse("conversations:detail", kwargs={"pk": inquiry.pk})

    assert link in client.get(inquiry_url).content.decode()

    exclusions.exclusion_request_create(seller=me, conversation=inquiry, reason="Spam")
    assert link not in client.get(inquiry_url).content.decode()

    client.force_login(inquiry.buyer)
    assert NEW_URL not in client.get(inquiry_url).content.decode()


# The whole cycle


def test_approved_request_leaves_next_evaluation(client, me):
    service = ServiceFactory(seller=me)
    OrderFactory(
        service=service, status=Order.Status.COMPLETED,
        created_at=noon(D) - dt.timedelta(days=2), completed_at=noon(D),
    )
    order = cancelled_order(me)
    with time_machine.travel(dt.datetime(2025, 7, 1, 3, tzinfo=RIYADH), tick=False):
        nightly.evaluate_date(D)
    assert SellerMetrics.objects.get(seller=me).cancelled_count == 1

    response = post_request(client, f"order:{order.pk}", url=f"{NEW_URL}?order={order.pk}")
    assert response.status_code == 302

    request = ExclusionRequest.objects.get(seller=me)
    exclusions.exclusion_request_decide(
        request=request, approve=True, note="The buyer confirmed they cancelled.", actor=staff_member(),
    )

    page = text_of(client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Approved" in page
    assert "The buyer confirmed they cancelled." in page
    assert "July 1, 2025" in page
    assert "Reason: The buyer asked me to cancel." in page

    with time_machine.travel(dt.datetime(2025, 7, 2, 3, tzinfo=RIYADH), tick=False):
        nightly.evaluate_date(D + dt.timedelta(days=1))
    metrics = SellerMetrics.objects.get(seller=me)
    assert metrics.cancelled_count == 0
    assert metrics.completed_count == 1
