import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from levels import nightly
from levels.models import LevelEvent
from levels.services import level_pin_lift, level_pin_set
from sellers.models import SellerProfile
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 30)


def test_pinned_seller_is_not_moved_until_pin_ends(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC))
    staff = factories.UserFactory(is_staff=True)
    seller = factories.seller()
    level_pin_set(seller=seller, level=3, reason="Top partner", actor=staff, ends_on=D)

    nightly.evaluate_date(D - dt.timedelta(days=1))
    profile = SellerProfile.objects.get(user=seller)
    assert profile.level == 3
    assert profile.qualifying_level == 1
    assert profile.grace_ends_on is None

    nightly.evaluate_date(D)
    profile.refresh_from_db()
    assert profile.override_level is None
    assert profile.level == 3
    assert profile.grace_ends_on == D + dt.timedelta(days=180)
    kinds = list(LevelEvent.objects.filter(seller=seller).order_by("pk").values_list("kind", "actor"))
    assert kinds == [
        ("override_set", staff.pk), ("override_lifted", None), ("grace_started", None),
    ]


def test_lift_records_actor_and_reason():
    staff = factories.UserFactory(is_staff=True)
    seller = factories.seller()
    level_pin_set(seller=seller, level=2, reason="Appeal accepted", actor=staff)

    level_pin_lift(seller=seller, reason="Appeal reviewed", actor=staff)

    event = LevelEvent.objects.filter(seller=seller).first()
    assert event.kind == LevelEvent.Kind.OVERRIDE_LIFTED
    assert event.actor == staff
    assert event.reason == "Appeal reviewed"
    assert SellerProfile.objects.get(user=seller).override_level is None


def test_pin_needs_reason_and_valid_level():
    staff = factories.UserFactory(is_staff=True)
    seller = factories.seller()
    with pytest.raises(ValidationError):
        level_pin_set(seller=seller, level=4, reason="x", actor=staff)
    with pytest.raises(ValidationError):
        level_pin_set(seller=seller, level=2, reason="  ", actor=staff)
    assert not LevelEvent.objects.exists()
