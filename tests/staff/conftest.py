import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from orders.models import Order
from tests import factories

RIYADH = ZoneInfo("Asia/Riyadh")
D = dt.date(2025, 6, 30)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=RIYADH)


def make_level_2_seller(*, clients: int = 10, cancelled: int = 0):
    """Create a seller who meets every level-2 criterion on D, with ``cancelled`` extra cancelled orders."""
    seller = factories.seller()
    service = factories.ServiceFactory(seller=seller)
    for _ in range(clients):
        order = factories.OrderFactory(
            service=service, status=Order.Status.COMPLETED,
            created_at=noon(D) - dt.timedelta(days=3), completed_at=noon(D),
        )
        factories.ReviewFactory(order=order, rating=5, created_at=noon(D))
    for _ in range(cancelled):
        factories.OrderFactory(
            service=service, status=Order.Status.CANCELLED,
            created_at=noon(D) - dt.timedelta(days=3), cancelled_at=noon(D),
        )
    return seller


def staff_user(username: str, group: str | None = None) -> User:
    user = User.objects.create_user(username, password="pass-Word-123", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager(client):
    client.force_login(staff_user("manager", "level managers"))
    return client


@pytest.fixture
def support(client):
    client.force_login(staff_user("helper", "support"))
    return client


@pytest.fixture
def plain_staff(client):
    client.force_login(staff_user("plain"))
    return client
