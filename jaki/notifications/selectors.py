"""Notification reads: who a notification reaches, the inbox, delivery counts."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from jaki.notifications.models import Device, InboxItem, Notification
from jaki.regions.selectors import Area, bbox_filter


def audience_devices(notification: Notification) -> QuerySet[Device]:
    """Active devices the audience names (before any area test); test sends reach test devices."""
    devices = Device.objects.filter(is_active=True)
    if notification.is_test:
        devices = devices.filter(is_test=True)
    audience = notification.audience
    if audience.get("everyone"):
        return devices
    query = Q(pk__in=[])
    if audience.get("users"):
        query |= Q(user_id__in=audience["users"])
    if audience.get("devices"):
        query |= Q(pk__in=audience["devices"])
    if audience.get("kelurahan"):
        query |= Q(kelurahan__code__in=audience["kelurahan"])
    if audience.get("area"):
        query |= bbox_filter(Area(audience["area"]).bounds)
    return devices.filter(query)


def target_device_chunks(notification: Notification, size: int) -> Iterator[list[int]]:
    """Device ids to send to, in chunks of `size`, paged by id so memory stays flat. An area's
    pages lose the devices of its bounding box that lie outside it; what is kept is gathered
    into full chunks, so a polygon's fan-out runs as few send tasks as a broadcast's."""
    chunk: list[int] = []
    for ids in _target_device_pages(notification, size):
        chunk.extend(ids)
        while len(chunk) >= size:
            yield chunk[:size]
            chunk = chunk[size:]
    if chunk:
        yield chunk


def _target_device_pages(notification: Notification, size: int) -> Iterator[list[int]]:
    area = Area(notification.audience["area"]) if notification.audience.get("area") else None
    exact = {
        key: notification.audience.get(key)
        for key in ("users", "devices", "kelurahan", "everyone")
        if notification.audience.get(key)
    }
    devices = audience_devices(notification).order_by("pk")
    last_id = 0
    while True:
        page = list(
            devices.filter(pk__gt=last_id).values_list(
                "pk", "lat", "lon", "user_id", "kelurahan__code"
            )[:size]
        )
        if not page:
            return
        last_id = page[-1][0]
        if area is None:
            yield [row[0] for row in page]
            continue
        ids = np.array([row[0] for row in page])
        lats = np.array([row[1] if row[1] is not None else np.nan for row in page], dtype=float)
        lons = np.array([row[2] if row[2] is not None else np.nan for row in page], dtype=float)
        inside = area.contains(lats, lons)
        if exact:  # a device named another way (its user, its kelurahan) counts too
            named = np.array([_named(row, exact) for row in page], dtype=bool)
            inside |= named
        chosen = ids[inside].tolist()
        if chosen:
            yield chosen


def _named(row: tuple, exact: dict) -> bool:
    pk, _lat, _lon, user_id, kelurahan_code = row
    return bool(
        exact.get("everyone")
        or pk in (exact.get("devices") or ())
        or user_id in (exact.get("users") or ())
        or kelurahan_code in (exact.get("kelurahan") or ())
    )


def device_of(*, user, token: str, active_only: bool) -> Device | None:
    """One of `user`'s devices; anyone else's token is as unknown as a made-up one."""
    devices = Device.objects.filter(user=user, token=token)
    if active_only:
        devices = devices.filter(is_active=True)
    return devices.select_related("kelurahan").defer("kelurahan__boundary").first()


def devices_topic_out_of_sync(*, limit: int) -> list[int]:
    """Devices whose FCM topic is not the one they should have: kelurahan and language while
    active (services.kelurahan_topic, in SQL), none otherwise. Oldest first."""
    wanted = Case(
        When(
            is_active=True,
            kelurahan__isnull=False,
            then=Concat(Value("kel-"), F("kelurahan__code"), Value("-"), F("language")),
        ),
        default=Value(""),
        output_field=CharField(),
    )
    return list(
        Device.objects.annotate(wanted_topic=wanted)
        .exclude(topic=F("wanted_topic"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def inbox_for(*, user) -> QuerySet[InboxItem]:
    """A user's inbox, newest first, each item with its notification in the same query."""
    return (
        InboxItem.objects.filter(user=user)
        .select_related("notification")
        .order_by("-created_at", "-id")
    )


def inbox_unread_count(*, user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


def notification_delivery(*, notification: Notification) -> dict:
    """The counts a sending service reads back (an alert's delivery screen)."""
    notification.refresh_from_db(
        fields=["targeted", "sent", "failed", "pruned", "first_sent_at", "last_sent_at", "state"]
    )
    return {
        "targeted": notification.targeted,
        "sent": notification.sent,
        "failed": notification.failed,
        "pruned": notification.pruned,
        "first_sent_at": notification.first_sent_at,
        "last_sent_at": notification.last_sent_at,
        "state": notification.state,
    }


PREVIEW_CHUNK_SIZE = 10_000


def audience_count(
    *,
    area: dict | list[dict] | None = None,
    kelurahan: list[str] | None = None,
    test: bool = False,
) -> int:
    """How many devices a notify(area=…, kelurahan=…, test=…) would reach now: the fan-out's
    own selection (audience_devices, then the same Area.contains test) run on an unsaved
    notification, so a preview before approval and the send that follows agree.

    On PostgreSQL it is one query, not the fan-out's id pages: the named devices are counted
    in SQL and the bounding-box candidates' points come back as two arrays for one vectorised
    point-in-area test, so a preview over a million devices stays well under a second."""
    audience: dict = {}
    if area:
        audience["area"] = Area(area).spec
    if kelurahan:
        audience["kelurahan"] = sorted(set(kelurahan))
    if not audience:
        return 0
    draft = Notification(audience=audience, is_test=test)
    if connection.vendor != "postgresql":
        return sum(len(chunk) for chunk in target_device_chunks(draft, PREVIEW_CHUNK_SIZE))
    named = Q(kelurahan__code__in=audience.get("kelurahan") or [])
    if "area" not in audience:
        return audience_devices(draft).filter(named).count()
    row = audience_devices(draft).aggregate(
        named=Count("pk", filter=named),
        lats=ArrayAgg("lat", filter=~named & Q(lat__isnull=False, lon__isnull=False), default=[]),
        lons=ArrayAgg("lon", filter=~named & Q(lat__isnull=False, lon__isnull=False), default=[]),
    )
    inside = Area(audience["area"]).contains(row["lats"], row["lons"])
    return row["named"] + int(np.count_nonzero(inside))
