import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from levels import demo
from levels.management.commands.seed_demo import DEMO_BUYER_PASSWORD, DEMO_SELLER_PASSWORD
from levels.models import LevelEvent
from sellers.models import SellerProfile
from tests.factories import seller

TIMELINE = demo.build_timeline(today=dt.date(2026, 3, 1), zone=ZoneInfo("Asia/Riyadh"), grace_days=180)


def test_generator_repeats_itself_for_same_seed():
    first = demo.generate(timeline=TIMELINE, sellers=20, seed=7)
    second = demo.generate(timeline=TIMELINE, sellers=20, seed=7)

    assert first.orders == second.orders
    assert first.messages == second.messages


def test_generator_history_ends_before_today():
    data = demo.generate(timeline=TIMELINE, sellers=20)

    stamps = [row[5] for row in data.orders] + [row[4] for row in data.reviews] + [row[3] for row in data.messages]
    assert max(dt.datetime.fromisoformat(stamp) for stamp in stamps) < TIMELINE.end
    assert min(dt.datetime.fromisoformat(row[5]) for row in data.orders) >= TIMELINE.history_start


def test_generator_inquiries_open_with_buyer():
    data = demo.generate(timeline=TIMELINE, sellers=20)

    first_sender = {}
    for _id, conversation_id, sender, _sent_at, _body in data.messages:
        first_sender.setdefault(conversation_id, sender)
    assert set(first_sender.values()) == {"buyer"}
    assert len(first_sender) == len(data.conversations)


def test_generator_level_one_prices_within_caps():
    data = demo.generate(timeline=TIMELINE, sellers=40)
    level_one = {
        seller_id for seller_id, name in data.personas.items()
        if next(p for p in demo.PERSONAS if p.name == name).price_level == 1
    }

    prices = [Decimal(row[4]) for row in data.services if row[1] in level_one]
    assert prices
    assert all(Decimal("5") <= price <= Decimal("50") for price in prices)


@pytest.mark.django_db
def test_seed_demo_shows_every_level_and_grace():
    output = io.StringIO()
    call_command("seed_demo", "--sellers", "30", stdout=output)

    levels = Counter(SellerProfile.objects.values_list("level", flat=True))
    assert levels[3] >= 1, output.getvalue()
    assert levels[2] >= 1, output.getvalue()
    assert levels[1] > levels[2], output.getvalue()
    assert SellerProfile.objects.filter(grace_ends_on__isnull=False).exists(), output.getvalue()
    assert LevelEvent.objects.filter(kind=LevelEvent.Kind.DEMOTED).exists(), output.getvalue()

    assert User.objects.get(username="admin").is_superuser
    assert authenticate(username="demo_seller", password=DEMO_SELLER_PASSWORD) is not None
    assert authenticate(username="demo_buyer", password=DEMO_BUYER_PASSWORD) is not None
    assert SellerProfile.objects.get(user__username="demo_seller").grace_ends_on is not None


@pytest.mark.django_db
def test_seed_demo_skips_when_sellers_exist():
    seller(user__username="existing")
    output = io.StringIO()

    call_command("seed_demo", "--sellers", "5", stdout=output)

    assert "not seeded" in output.getvalue()
    assert User.objects.count() == 1
