"""Writes on services: creation, edits, pausing, and pausing after a demotion."""

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import Count, Q

from levels import policy as p
from marketplace import clock
from marketplace.numbers import parse_decimal
from sellers.models import SellerProfile
from services.listing_cache import bump_listing_version
from services.models import Category, Service

logger = logging.getLogger(__name__)


def _lock_seller(seller) -> SellerProfile | None:
    """Lock the seller's profile row so concurrent cap checks run one after another."""
    return SellerProfile.objects.select_for_update().filter(user=seller).first()


def service_create(*, seller, title: str, category: Category, price, description: str = "",
                   delivery_days: int = 3, status: str = Service.Status.ACTIVE) -> Service:
    """Create a service within the caps of the seller's level.

    Raises ValidationError, with a translated message per field, when a cap
    or another rule is broken.
    """
    with transaction.atomic():
        profile = _lock_seller(seller)
        service = Service(
            seller=seller,
            title=title,
            category=category,
            price=parse_decimal(price),
            description=description,
            delivery_days=delivery_days,
            status=status,
            created_at=clock.now(),
            rank_level=profile.level if profile else 1,
            rank_score=_current_score(seller),
        )
        service.full_clean()
        service.save()

    logger.info("Service %s created by seller %s (%s)", service.pk, seller.pk, status)
    return service


def _current_score(seller) -> float:
    from levels.models import SellerMetrics

    score = SellerMetrics.objects.filter(seller=seller).values_list("score", flat=True).first()
    return score or 0.0


def service_update(*, service: Service, **fields) -> Service:
    """Change fields of ``service``; price and status changes are checked against the caps."""
    with transaction.atomic():
        _lock_seller(service.seller)
        service = Service.objects.select_for_update().get(pk=service.pk)
        if "price" in fields:
            fields["price"] = parse_decimal(fields["price"])
        for name, value in fields.items():
            setattr(service, name, value)
        if service.status != Service.Status.PAUSED:
            service.pause_reason = ""
            service.paused_at = None
        service.full_clean()
        service.save()
    return service


def service_activate(*, service: Service) -> Service:
    return service_update(service=service, status=Service.Status.ACTIVE)


def service_pause(*, service: Service, reason: str = Service.PauseReason.SELLER) -> Service:
    with transaction.atomic():
        service = Service.objects.select_for_update().get(pk=service.pk)
        service.status = Service.Status.PAUSED
        service.pause_reason = reason
        service.paused_at = clock.now()
        service.save(update_fields=["status", "pause_reason", "paused_at", "updated_at"])
    return service


def pause_services_over_caps(*, demotions: dict[int, int], as_of: dt.date,
                             policy: p.LevelPolicy) -> dict[int, list[dict]]:
    """Pause the active services that no longer fit the caps of each seller's new level.

    ``demotions`` maps seller ids to their new level. Services priced above the
    new maximum go first. Then, while more remain active than the new cap,
    those with the fewest completed orders in the trailing window go, the
    oldest first among equals. Returns, per seller, the paused services with their reason.
    Two queries for the whole batch, whatever its size.
    """
    window_start = clock.window_start(as_of, policy.pause_ranking_days)
    cutoff = clock.cutoff(as_of)
    recent_completed = Q(
        orders__completed_at__gte=window_start, orders__completed_at__lt=cutoff, orders__excluded=False,
    )
    active = (
        Service.objects.filter(seller_id__in=demotions, status=Service.Status.ACTIVE)
        .annotate(recent_completed=Count("orders", filter=recent_completed))
        .order_by("seller_id", "-recent_completed", "-created_at", "-pk")
    )

    to_pause: list[Service] = []
    kept_by_seller: dict[int, int] = {}
    for service in active:
        rule = policy.level(demotions[service.seller_id])
        if service.price > rule.max_price:
            service.pause_reason = Service.PauseReason.PRICE_ABOVE_LEVEL
        elif kept_by_seller.get(service.seller_id, 0) >= rule.max_active_services:
            service.pause_reason = Service.PauseReason.OVER_LEVEL_CAP
        else:
            kept_by_seller[service.seller_id] = kept_by_seller.get(service.seller_id, 0) + 1
            continue
        to_pause.append(service)

    now = clock.now()
    for service in to_pause:
        service.status = Service.Status.PAUSED
        service.paused_at = now
    Service.objects.bulk_update(to_pause, ["status", "pause_reason", "paused_at"], batch_size=500)
    if to_pause:
        bump_listing_version()

    paused: dict[int, list[dict]] = {}
    for service in to_pause:
        paused.setdefault(service.seller_id, []).append(
            {"id": service.pk, "title": service.title, "reason": service.pause_reason}
        )
    if to_pause:
        logger.info("Paused %s services of %s demoted sellers for %s", len(to_pause), len(paused), as_of)
    return paused


def seller_rank_refresh(*, seller, level: int) -> int:
    """Copy ``level`` and the seller's stored score onto the seller's services."""
    return services_rank_refresh(ranks={seller.pk: (level, _current_score(seller))})


def services_rank_refresh(*, ranks: dict[int, tuple[int, float]]) -> int:
    """Copy each seller's level and score onto their services' ranking columns.

    ``ranks`` maps seller ids to (level, score). One statement for the whole
    batch; rows already up to date are not rewritten. Returns the rows changed.
    """
    if not ranks:
        return 0

    table = Service._meta.db_table
    seller_ids = list(ranks)
    levels = [ranks[seller_id][0] for seller_id in seller_ids]
    scores = [ranks[seller_id][1] for seller_id in seller_ids]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS service SET rank_level = new.level, rank_score = new.score "
                "FROM unnest(%s::bigint[], %s::smallint[], %s::double precision[]) AS new(seller_id, level, score) "
                "WHERE service.seller_id = new.seller_id "
                "AND (service.rank_level, service.rank_score) IS DISTINCT FROM (new.level, new.score)",
                [seller_ids, levels, scores],
            )
        else:
            # SQLite has no arrays: the new values come from a VALUES list.
            rows = ", ".join(["(%s, %s, %s)"] * len(seller_ids))
            params = [value for triple in zip(seller_ids, levels, scores) for value in triple]
            cursor.execute(
                f"WITH new(seller_id, level, score) AS (VALUES {rows}) "
                f"UPDATE {table} SET "
                f"rank_level = (SELECT level FROM new WHERE new.seller_id = {table}.seller_id), "
                f"rank_score = (SELECT score FROM new WHERE new.seller_id = {table}.seller_id) "
                f"WHERE seller_id IN (SELECT seller_id FROM new)",
                params,
            )
        changed = cursor.rowcount
    if changed:
        bump_listing_version()
    return changed
