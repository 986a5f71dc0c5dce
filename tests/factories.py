import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from conversations.models import Conversation, Message
from orders.models import Order, Review
from sellers.models import SellerProfile
from services.models import Category, Service

BASE_TIME = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-Word-123")


class SellerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerProfile

    user = factory.SubFactory(UserFactory)
    level = 1


def seller(**profile_fields) -> User:
    """Create a user with a seller profile; profile fields go to the profile."""
    return SellerProfileFactory(**profile_fields).user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_ar = factory.LazyAttribute(lambda c: f"تصنيف {c.slug}")
    name_en = factory.LazyAttribute(lambda c: f"Category {c.slug}")


def _seller_level(user) -> int:
    profile = SellerProfile.objects.filter(user=user).first()
    return profile.level if profile else 1


def _seller_score(user) -> float:
    from levels.models import SellerMetrics

    metrics = SellerMetrics.objects.filter(seller=user).first()
    return metrics.score if metrics else 0.0


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service saved without the caps check; use services.services to test caps."""

    class Meta:
        model = Service

    seller = factory.LazyFunction(seller)
    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"خدمة رقم {n}")
    price = Decimal("20.00")
    status = Service.Status.ACTIVE
    created_at = factory.LazyFunction(timezone.now)
    # The ranking columns copy the seller's level and score, as the nightly
    # evaluation and service creation keep them.
    rank_level = factory.LazyAttribute(lambda s: _seller_level(s.seller))
    rank_score = factory.LazyAttribute(lambda s: _seller_score(s.seller))


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    service = factory.SubFactory(ServiceFactory)
    seller = factory.LazyAttribute(lambda o: o.service.seller)
    buyer = factory.SubFactory(UserFactory)
    price = factory.LazyAttribute(lambda o: o.service.price)
    status = Order.Status.OPEN
    created_at = BASE_TIME


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    order = factory.SubFactory(OrderFactory, status=Order.Status.COMPLETED, completed_at=BASE_TIME)
    seller = factory.LazyAttribute(lambda r: r.order.seller)
    rating = 5
    created_at = BASE_TIME


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    seller = factory.LazyFunction(seller)
    buyer = factory.SubFactory(UserFactory)
    started_at = BASE_TIME


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    sender = Message.Sender.BUYER
    body = "مرحبا"
    sent_at = factory.LazyAttribute(lambda m: m.conversation.started_at)
