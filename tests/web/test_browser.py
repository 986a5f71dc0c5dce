"""Whole journeys in a real Chromium, driven by Playwright against the live server.

Select them with ``-m browser``. They need /usr/bin/chromium (Debian's package)
and are skipped without it.
"""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from levels.tasks import evaluate_nightly
from marketplace import clock
from orders.models import Order, Review
from services.models import Service
from tests.factories import CategoryFactory, ServiceFactory, UserFactory, seller

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "pass-Word-123"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django
    # rejects ORM calls from a thread with a running loop unless this is set.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def open_page(*, language="ar", width=1280):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        context.add_cookies([{
            "name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url,
        }])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username):
    page.goto(reverse("accounts:sign_in"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form-panel button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def fill_service(page, *, title, price, status="active"):
    page.goto(reverse("services:create"))
    page.fill("#id_title", title)
    page.select_option("#id_category", label="تصميم")
    page.fill("#id_price", price)
    page.fill("#id_delivery_days", "٣")
    page.select_option("#id_status", status)
    page.click("form.form-panel button[type=submit]")


def test_seller_signs_up_and_meets_caps(new_page):
    CategoryFactory(slug="design", name_ar="تصميم", name_en="Design")
    page = new_page()

    page.goto(reverse("accounts:sign_up"))
    page.fill("#id_username", "layla")
    page.fill("#id_display_name", "ليلى")
    page.fill("#id_email", "layla@example.com")
    page.fill("#id_password1", "long-Pass-4821")
    page.fill("#id_password2", "long-Pass-4821")
    page.click("form.form-panel button[type=submit]")
    page.click(f"a[href='{reverse('accounts:become_seller')}']")
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"**{reverse('services:mine')}")

    for number in range(1, 6):
        fill_service(page, title=f"خدمة {number}", price="٤٩٫٥٠")
        page.wait_for_url(f"**{reverse('services:mine')}")
    assert Service.objects.filter(status=Service.Status.ACTIVE, seller__username="layla").count() == 5
    assert set(Service.objects.values_list("price", flat=True)) == {Decimal("49.50")}

    fill_service(page, title="خدمة 6", price="20")
    status_error = page.locator("#field-status .errorlist").inner_text()
    assert "يسمح المستوى 1" in status_error
    assert "أوقف خدمة أخرى" in status_error
    assert page.locator("#field-price .errorlist").count() == 0

    fill_service(page, title="خدمة غالية", price="60", status="draft")
    price_error = page.locator("#field-price .errorlist").inner_text()
    assert "في المستوى 1" in price_error
    assert "50.00" in price_error
    assert Service.objects.filter(seller__username="layla").count() == 5


def test_inquiry_order_review_then_nightly(new_page):
    seller_user = seller(level=1, user__username="hind", user__display_name="هند")
    buyer = UserFactory(username="sami", display_name="سامي")
    service = ServiceFactory(seller=seller_user, title="تصميم شعار", price=Decimal("40.00"))
    buyer_page = new_page()
    seller_page = new_page()
    sign_in(buyer_page, "sami")
    sign_in(seller_page, "hind")

    buyer_page.goto(reverse("services:detail", kwargs={"pk": service.pk}))
    buyer_page.click(f"a[href='{reverse('conversations:start', kwargs={'service_pk': service.pk})}']")
    buyer_page.fill("#id_body", "هل تصمم شعارا بالعربية؟")
    buyer_page.click("form.form-panel button[type=submit]")
    buyer_page.wait_for_url(re.compile(r".*/inquiries/\d+/$"))

    seller_page.goto(reverse("conversations:inbox"))
    seller_page.click(".inquiry-list a")
    seller_page.fill("#id_body", "نعم بكل سرور")
    seller_page.click("form.form-panel button[type=submit]")
    seller_page.wait_for_load_state()
    assert seller_page.locator(".message--seller").count() == 1

    buyer_page.goto(reverse("services:detail", kwargs={"pk": service.pk}))
    buyer_page.click(f"form[action='{reverse('orders:place', kwargs={'service_pk': service.pk})}'] button")
    buyer_page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get()
    assert order.price == Decimal("40.00")

    seller_page.goto(reverse("orders:sales"))
    seller_page.click(f"a[href='{reverse('orders:detail', kwargs={'pk': order.pk})}']")
    seller_page.click(f"form[action='{reverse('orders:deliver', kwargs={'pk': order.pk})}'] button")
    seller_page.wait_for_load_state()

    buyer_page.goto(reverse("orders:detail", kwargs={"pk": order.pk}))
    buyer_page.click(f"form[action='{reverse('orders:complete', kwargs={'pk': order.pk})}'] button")
    buyer_page.wait_for_selector("#review-form")
    buyer_page.select_option("#id_rating", "5")
    buyer_page.fill("#id_comment", "عمل رائع")
    buyer_page.click("#review-form button[type=submit]")
    buyer_page.wait_for_selector(".review")

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert Review.objects.get().rating == 5
    assert order.service.inquiries.get().first_reply_at is not None

    # The nightly job runs after midnight and evaluates the day that just ended.
    tomorrow_3am = clock.local_midnight(clock.local_today() + dt.timedelta(days=1)) + dt.timedelta(hours=3)
    with time_machine.travel(tomorrow_3am, tick=False):
        evaluate_nightly.apply()

    seller_page.goto(reverse("services:seller", kwargs={"username": "hind"}))
    assert seller_page.locator(".metrics__clients").inner_text() == "1"
    assert "5.00" in seller_page.locator(".metrics").inner_text()
    seller_page.goto(reverse("sellers:dashboard"))
    criteria = seller_page.locator(".criteria").inner_text()
    assert "5.00" in criteria
    assert seller_page.locator(".criterion__numbers").first.inner_text().strip().startswith("1")


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_listing_direction_and_narrow_screen(new_page, language, direction):
    category = CategoryFactory(slug="design", name_ar="تصميم وجرافيك", name_en="Design and graphics")
    for number in range(8):
        ServiceFactory(
            seller=seller(level=1 + number % 3), category=category,
            title=f"تصميم هوية بصرية كاملة للشركات الناشئة مع دليل استخدام رقم {number}",
            price=Decimal("49.50"),
        )
    page = new_page(language=language, width=375)

    page.goto(reverse("services:list"))

    assert page.evaluate("getComputedStyle(document.documentElement).direction") == direction
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        path = SCREENSHOT_DIR / f"listing-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        assert path.stat().st_size > 0


def grace_seller(username: str):
    """Create a level-2 seller whose grace period ends 40 days from today."""
    today = clock.local_today()
    return seller(
        level=2, grace_started_on=today - dt.timedelta(days=140), grace_ends_on=today + dt.timedelta(days=40),
        failing_criteria=["rating"], user__username=username,
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_grace_banner_shows_end_date(new_page, language):
    user = grace_seller("noura")
    ends_on = user.seller_profile.grace_ends_on
    page = new_page(language=language)
    sign_in(page, "noura")

    page.goto(reverse("sellers:dashboard"))

    banner = page.locator(".grace-banner").inner_text()
    with translation.override(language):
        expected_date = formats.date_format(ends_on, "DATE_FORMAT")
    assert expected_date in banner
    assert "40" in banner


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_dashboard_direction_and_narrow_screen(new_page, language, direction):
    grace_seller("salma")
    page = new_page(language=language, width=375)
    sign_in(page, "salma")

    page.goto(reverse("sellers:dashboard"))

    assert page.evaluate("getComputedStyle(document.documentElement).direction") == direction
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        path = SCREENSHOT_DIR / f"dashboard-{language}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        assert path.stat().st_size > 0
