"""Notifications: devices, the one `notify` entry point, delivery, inbox and the live feed.

Every service reaches residents through `notify(...)`. It writes the record (and the inbox rows
of named users) in the caller's transaction and fans out only after commit, through Celery tasks
on the `push` queue (tasks.py), which call back into the functions below.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import shapely
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from jaki.api import DomainError
from jaki.notifications import fcm, selectors
from jaki.notifications.models import Delivery, Device, InboxItem, Language, Notification
from jaki.regions.models import Region
from jaki.regions.selectors import locate

logger = logging.getLogger(__name__)

PUBLIC_FEED_GROUP = "feed.public"
FCM_PAYLOAD_LIMIT = 4096
TOPIC_PAYLOAD_LIMIT = 2048


# What an operator's test push says (admin action and `send_test_push`).
TEST_PUSH_TITLE = {"id": "Uji notifikasi JAKI", "en": "JAKI test notification"}
TEST_PUSH_BODY = {
    "id": "Notifikasi uji dari petugas JAKI. Tidak perlu tindakan apa pun.",
    "en": "A test notification from JAKI staff. No action is needed.",
}


class InvalidNotification(DomainError):
    default_code = "invalid_notification"
    default_detail = _("The notification is not valid.")


def user_feed_group(user_public_id) -> str:
    return f"feed.user.{user_public_id.hex if hasattr(user_public_id, 'hex') else user_public_id}"


def kelurahan_topic(code: str, language: str) -> str:
    """One FCM topic per kelurahan and language, so a topic send can speak the device's language."""
    return f"kel-{code}-{language}"


# --- Devices ---------------------------------------------------------------------------------


# Everything but `topic`, which only device_sync_topic writes (after FCM agreed).
DEVICE_FIELDS_SET_BY_THE_APP = [
    "user",
    "platform",
    "fid",
    "language",
    "app_version",
    "lat",
    "lon",
    "kelurahan",
    "is_active",
    "deactivated_at",
    "deactivation_reason",
    "last_seen_at",
]


def device_register(
    *,
    user,
    token: str,
    platform: str,
    fid: str = "",
    language: str | None = None,
    app_version: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> tuple[Device, bool]:
    """Register a push token; idempotent on the token. A token that moves to another user (a
    phone changing hands) moves with it; a known token is reactivated."""
    # The app retries: two first registrations of one token may race. The loser of the insert
    # finds the winner's row on its second pass.
    for last_try in (False, True):
        try:
            return _device_register(
                user=user,
                token=token,
                platform=platform,
                fid=fid,
                language=language,
                app_version=app_version,
                lat=lat,
                lon=lon,
            )
        except IntegrityError:
            if last_try:
                raise
    raise AssertionError("unreachable")


def _device_register(*, user, token, platform, fid, language, app_version, lat, lon):
    now = timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(token=token).first()
        created = device is None
        if created:
            # The model default ("id") would hide the user's language from the fallback below.
            device = Device(token=token, created_at=now, language=language or user.language)
        device.user = user
        device.platform = platform
        device.fid = fid or device.fid
        device.language = language or device.language or user.language
        device.app_version = app_version or device.app_version
        device.is_active = True
        device.deactivated_at = None
        device.deactivation_reason = ""
        device.last_seen_at = now
        if lat is not None and lon is not None:
            _place(device, lat, lon)
        device.save(update_fields=None if created else DEVICE_FIELDS_SET_BY_THE_APP)
        _sync_topic_on_commit(device)
    return device, created


def device_update(
    *,
    device: Device,
    lat: float | None = None,
    lon: float | None = None,
    language: str | None = None,
    app_version: str | None = None,
) -> Device:
    """The app reports where the phone is (kelurahan re-resolved) or a new language."""
    with transaction.atomic():
        if lat is not None and lon is not None:
            _place(device, lat, lon)
        if language:
            device.language = language
        if app_version:
            device.app_version = app_version
        device.last_seen_at = timezone.now()
        device.save(update_fields=DEVICE_FIELDS_SET_BY_THE_APP)
        _sync_topic_on_commit(device)
    return device


def _place(device: Device, lat: float, lon: float) -> None:
    device.lat, device.lon = lat, lon
    located = locate(lat, lon)
    device.kelurahan_id = (
        Region.objects.filter(code=located.kelurahan.code).values_list("pk", flat=True).first()
        if located
        else None
    )


def device_deactivate(*, device: Device, reason: str) -> None:
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(
            is_active=False, deactivated_at=timezone.now(), deactivation_reason=reason
        )
        device.is_active = False
        _sync_topic_on_commit(device)


def devices_deactivate_for_user(*, user, reason: str, forget_location: bool = False) -> int:
    """Logout and account erasure: none of the user's phones is pushed to any more, and their
    open live feeds close. Erasure also forgets where the phones were (the token stays,
    inactive, so its topic can be left)."""
    group = user_feed_group(user.public_id)
    layer = get_channel_layer()
    transaction.on_commit(lambda: async_to_sync(layer.group_send)(group, {"type": "feed.revoke"}))
    devices = list(Device.objects.filter(user=user, is_active=True))
    for device in devices:
        device_deactivate(device=device, reason=reason)
    if forget_location:
        Device.objects.filter(user=user).update(lat=None, lon=None, kelurahan=None, fid="")
    return len(devices)


def _sync_topic_on_commit(device: Device) -> None:
    device.topic = Device.objects.filter(pk=device.pk).values_list("topic", flat=True).get()
    if device.topic != _wanted_topic(device):
        from jaki.notifications import tasks

        tasks.sync_device_topic.delay_on_commit(device.pk)


def _wanted_topic(device: Device) -> str:
    if not device.is_active or device.kelurahan_id is None:
        return ""
    code = device.kelurahan.code if device.kelurahan else ""
    return kelurahan_topic(code, device.language) if code else ""


def device_sync_topic(*, device_id: int) -> None:
    """Move a device's topic subscription to its kelurahan (and language), through FCM.

    No lock is held across the FCM calls; the final write only lands if nobody moved the topic
    meanwhile (a later sync task, queued by that change, then finishes the move)."""
    device = Device.objects.select_related("kelurahan").filter(pk=device_id).first()
    if device is None:
        return
    wanted = _wanted_topic(device)
    if device.topic == wanted:
        return
    backend = fcm.get_push_backend()
    if device.topic:
        backend.unsubscribe([device.token], device.topic)
    if wanted:
        result = backend.subscribe([device.token], wanted)
        if result.errors:
            logger.warning("Topic subscription failed: %s", list(result.errors.values()))
            wanted = ""
    Device.objects.filter(pk=device.pk, topic=device.topic).update(topic=wanted)


# --- notify ------------------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    title: dict[str, str],
    body: dict[str, str],
    users: Iterable | None = None,
    devices: Iterable[Device] | None = None,
    kelurahan: Iterable[str] | None = None,
    area: dict | list[dict] | None = None,
    everyone: bool = False,
    data: dict[str, str] | None = None,
    deep_link: str = "",
    priority: str = Notification.Priority.NORMAL,
    ttl: timedelta = timedelta(days=1),
    collapse_key: str = "",
    source: str = "",
    test: bool = False,
    via_topic: bool = False,
    inbox: bool = True,
) -> Notification:
    """Send one notification to users, devices, kelurahan, an area, or everyone.

    `title`/`body` map a language (`id` required, `en` optional) to text; each device gets its
    language, falling back to `id`. `area` is a GeoJSON (Multi)Polygon in lon/lat or
    `{"type": "Circle", "lat", "lon", "radius_km"}`, or a list of them (a union). `via_topic`
    sends a kelurahan audience as one message per kelurahan topic instead of per device. Inbox
    rows are written for named users now and for device owners as the fan-out reaches them.
    """
    users = list(users or [])
    device_ids = [d.pk for d in devices or []]
    kelurahan = sorted(set(kelurahan or []))
    audience: dict = {}
    if users:
        audience["users"] = [u.pk for u in users]
    if device_ids:
        audience["devices"] = device_ids
    if kelurahan:
        audience["kelurahan"] = kelurahan
    if area:
        audience["area"] = _valid_area(area)
    if everyone:
        audience["everyone"] = True
    _validate(title, body, data, priority, ttl, audience, via_topic, kelurahan)

    payload = {str(k): str(v) for k, v in (data or {}).items()}
    if deep_link:
        payload["link"] = deep_link
    with transaction.atomic():
        notification = Notification.objects.create(
            kind=kind,
            title_id=title["id"],
            title_en=title.get("en", ""),
            body_id=body["id"],
            body_en=body.get("en", ""),
            data=payload,
            priority=priority,
            ttl_seconds=int(ttl.total_seconds()),
            collapse_key=collapse_key,
            audience=audience,
            via_topic=via_topic,
            inbox=inbox,
            is_test=test,
            source=source,
        )
        for language in {"id", "en"}:
            _check_payload_size(notification, language, via_topic)
        if inbox and users:
            items = InboxItem.objects.bulk_create(
                [
                    InboxItem(notification=notification, user=u, created_at=notification.created_at)
                    for u in users
                ]
            )
            events = [
                (u.public_id, inbox_event(item, u.language))
                for u, item in zip(users, items, strict=True)
            ]
            transaction.on_commit(lambda: feed_send_to_users(events))
        from jaki.notifications import tasks

        tasks.fan_out.delay_on_commit(notification.pk)
    return notification


def _valid_area(area: dict | list[dict]) -> list[dict]:
    parts = area if isinstance(area, list) else [area]
    for part in parts:
        if not isinstance(part, dict):
            raise InvalidNotification(_("An area is a GeoJSON polygon or a circle."))
        if part.get("type") == "Circle":
            try:
                lat, lon, radius = float(part["lat"]), float(part["lon"]), float(part["radius_km"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidNotification(_("A circle needs lat, lon and radius_km.")) from exc
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 1000):
                raise InvalidNotification(_("The circle is out of range."))
            continue
        try:
            geometry = shape(part)
        except Exception as exc:
            raise InvalidNotification(_("An area is a GeoJSON polygon or a circle.")) from exc
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not shapely.is_valid(geometry):
            raise InvalidNotification(_("An area polygon must be a valid Polygon or MultiPolygon."))
    return parts


def _validate(title, body, data, priority, ttl, audience, via_topic, kelurahan) -> None:
    if not (title.get("id") and body.get("id")):
        raise InvalidNotification(_("A notification needs an Indonesian title and body."))
    if set(title) - {"id", "en"} or set(body) - {"id", "en"}:
        raise InvalidNotification(_("Titles and bodies are given in 'id' and 'en' only."))
    if priority not in Notification.Priority.values:
        raise InvalidNotification(_("Priority is 'normal' or 'high'."))
    if not timedelta(0) <= ttl <= timedelta(days=28):
        raise InvalidNotification(_("The time to live is between 0 and 28 days."))
    if not audience:
        raise InvalidNotification(_("A notification needs an audience."))
    if via_topic and (set(audience) != {"kelurahan"}):
        raise InvalidNotification(_("Only a kelurahan audience can be sent to topics."))
    if kelurahan:
        known = set(
            Region.objects.filter(code__in=kelurahan, level="kelurahan").values_list(
                "code", flat=True
            )
        )
        if unknown := sorted(set(kelurahan) - known):
            raise InvalidNotification(
                _("Unknown kelurahan: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
    for key, value in (data or {}).items():
        if not isinstance(key, str) or not isinstance(value, str | int | float | bool):
            raise InvalidNotification(_("Data keys and values must be plain strings."))


def _check_payload_size(notification: Notification, language: str, via_topic: bool) -> None:
    push = build_push(notification, language, token="x" * 200)
    size = len(json.dumps({"title": push.title, "body": push.body, "data": push.data}).encode())
    limit = TOPIC_PAYLOAD_LIMIT if via_topic else FCM_PAYLOAD_LIMIT
    if size > limit:
        raise InvalidNotification(
            _("The message is %(size)d bytes; FCM accepts at most %(limit)d.")
            % {"size": size, "limit": limit}
        )


def build_push(
    notification: Notification, language: str, *, token: str = "", topic: str = ""
) -> fcm.Push:
    data = {
        **notification.data,
        "notification_id": str(notification.public_id),
        "kind": notification.kind,
    }
    return fcm.Push(
        title=notification.title(language),
        body=notification.body(language),
        data=data,
        priority=notification.priority,
        ttl_seconds=notification.ttl_seconds,
        collapse_key=notification.collapse_key,
        channel="alerts" if notification.priority == Notification.Priority.HIGH else "general",
        token=token,
        topic=topic,
    )


# --- Fan-out (called by tasks) ----------------------------------------------------------------


def fanout_chunks(*, notification_id: int) -> Iterable[list[int]]:
    """Plan the fan-out: device ids in chunks of PUSH_CHUNK_SIZE. Safe to run again (a
    redelivered plan): `targeted` is set, not added to, and chunks dedupe on their deliveries."""
    notification = Notification.objects.get(pk=notification_id)
    Notification.objects.filter(pk=notification_id, state=Notification.State.QUEUED).update(
        state=Notification.State.SENDING
    )
    total = 0
    for chunk in selectors.target_device_chunks(notification, settings.PUSH_CHUNK_SIZE):
        total += len(chunk)
        Notification.objects.filter(pk=notification_id).update(
            targeted=Greatest(F("targeted"), Value(total))
        )
        yield chunk


def fanout_finish(*, notification_id: int) -> None:
    """The plan is complete: once every targeted device has an outcome, the notification is done."""
    Notification.objects.filter(pk=notification_id, planned_at__isnull=True).update(
        planned_at=timezone.now()
    )
    _done_when_settled(notification_id)


def _done_when_settled(notification_id: int) -> None:
    Notification.objects.filter(
        pk=notification_id,
        planned_at__isnull=False,
        targeted__lte=F("sent") + F("failed") + F("pruned"),
    ).exclude(state=Notification.State.DONE).update(state=Notification.State.DONE)


def topic_send(*, notification_id: int) -> None:
    """A kelurahan audience as one message per kelurahan topic and language."""
    notification = Notification.objects.get(pk=notification_id)
    pushes = [
        build_push(notification, language, topic=kelurahan_topic(code, language))
        for code in notification.audience["kelurahan"]
        for language in Language.values
    ]
    outcomes = fcm.get_push_backend().send(pushes)
    sent = sum(o.ok for o in outcomes)
    Notification.objects.filter(pk=notification_id).update(planned_at=timezone.now())
    _count(
        notification_id,
        targeted=len(pushes),
        sent=sent,
        failed=len(pushes) - sent,
        outcomes=outcomes,
    )


def deliveries_send(
    *, notification_id: int, device_ids: list[int], attempt: int = 1
) -> tuple[list[int], float]:
    """Send one chunk, PUSH_SEND_CONCURRENCY devices at a time.

    Every device of the chunk is first recorded as `pending`; each window of devices is then
    switched to `sending` in one statement just before it goes out. A redelivered task (its
    worker died) sends what is still pending and skips what was already tried, so no device gets
    a notification twice and none is lost; only the window in flight at the crash stays in doubt
    (`deliveries_settle_stale` counts it as failed later).

    Returns the device ids to retry and how long to wait first (Retry-After or backoff).
    """
    notification = Notification.objects.get(pk=notification_id)
    pending = _claim(notification_id, device_ids, attempt)
    window = settings.PUSH_SEND_CONCURRENCY
    retry_ids: list[int] = []
    waits: list[float] = []
    owners: set[int] = set()
    for start in range(0, len(pending), window):
        sending = _start_sending(notification_id, pending[start : start + window])
        retry, wait, users = _send_window(notification, sending, attempt)
        retry_ids += retry
        waits += wait
        owners |= users
    if notification.inbox:  # named users already have theirs; the insert skips them
        _inbox_for_owners(notification, owners)
    return retry_ids, retry_delay(attempt, max(waits, default=0.0))


def _send_window(
    notification: Notification, device_ids: list[int], attempt: int
) -> tuple[list[int], list[float], set[int]]:
    if not device_ids:
        return [], [], set()
    devices = list(
        Device.objects.filter(pk__in=device_ids, is_active=True).values_list(
            "pk", "token", "language", "user_id"
        )
    )
    pushes = [build_push(notification, language, token=token) for _, token, language, _ in devices]
    outcomes = fcm.get_push_backend().send(pushes)

    by_status: dict[tuple[str, str], list[int]] = defaultdict(list)
    retry_ids, dead_ids, waits = [], [], []
    for (device_id, *_rest), outcome in zip(devices, outcomes, strict=True):
        if outcome.ok:
            by_status[(Delivery.Status.SENT, "")].append(device_id)
        elif outcome.dead_token:
            by_status[(Delivery.Status.PRUNED, outcome.error)].append(device_id)
            dead_ids.append(device_id)
        elif outcome.retryable and attempt < settings.PUSH_MAX_ATTEMPTS:
            by_status[(Delivery.Status.RETRY, outcome.error)].append(device_id)
            retry_ids.append(device_id)
            waits.append(outcome.retry_after or 0.0)
        else:
            by_status[(Delivery.Status.FAILED, outcome.error or "UNKNOWN")].append(device_id)
    if gone := set(device_ids) - {d[0] for d in devices}:
        by_status[(Delivery.Status.FAILED, "DEVICE_INACTIVE")].extend(gone)

    now = timezone.now()
    with transaction.atomic():
        for (status, error), ids in by_status.items():
            Delivery.objects.filter(notification_id=notification.pk, device_id__in=ids).update(
                status=status, error=error, updated_at=now
            )
        if dead_ids:
            Device.objects.filter(pk__in=dead_ids).update(
                is_active=False, deactivated_at=now, deactivation_reason="fcm:dead-token"
            )
        _count(
            notification.pk,
            sent=len(by_status.get((Delivery.Status.SENT, ""), [])),
            failed=sum(
                len(ids) for (s, _e), ids in by_status.items() if s == Delivery.Status.FAILED
            ),
            pruned=len(dead_ids),
            outcomes=outcomes,
        )
    return retry_ids, waits, {d[3] for d in devices}


def retry_delay(attempt: int, retry_after: float) -> float:
    """Exponential backoff with jitter (half to all of the step), never sooner than the
    server's Retry-After."""
    ceiling = min(
        settings.PUSH_RETRY_MAX_SECONDS, settings.PUSH_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return max(retry_after, random.uniform(ceiling / 2, ceiling))  # noqa: S311  (jitter, not crypto)


def _claim(notification_id: int, device_ids: list[int], attempt: int) -> list[int]:
    """Record the chunk's devices as pending (retries: move them back from `retry`) and return
    the ones still pending, in id order: those this call may send to."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    marks = ", ".join(["%s"] * len(device_ids))
    now = timezone.now()
    with connection.cursor() as cursor:
        if attempt == 1:
            rows = ", ".join(["(%s, %s, 'pending', 0, '', %s)"] * len(device_ids))
            params: list = []
            for device_id in device_ids:
                params += [notification_id, device_id, now]
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608  (table name from the model, values bound)
                "(notification_id, device_id, status, attempts, error, updated_at) "
                f"VALUES {rows} ON CONFLICT (notification_id, device_id) DO NOTHING",
                params,
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET status = 'pending', updated_at = %s "  # noqa: S608
                f"WHERE notification_id = %s AND status = 'retry' AND device_id IN ({marks})",
                [now, notification_id, *device_ids],
            )
        cursor.execute(
            f"SELECT device_id FROM {table} "  # noqa: S608
            f"WHERE notification_id = %s AND status = 'pending' AND device_id IN ({marks}) "
            "ORDER BY device_id",
            [notification_id, *device_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _start_sending(notification_id: int, device_ids: list[int]) -> list[int]:
    """Atomically take pending devices for sending; a concurrent run of the same chunk gets
    none of the ones this call took."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    marks = ", ".join(["%s"] * len(device_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = 'sending', attempts = attempts + 1, "  # noqa: S608
            f"updated_at = %s WHERE notification_id = %s AND status = 'pending' "
            f"AND device_id IN ({marks}) RETURNING device_id",
            [timezone.now(), notification_id, *device_ids],
        )
        return [row[0] for row in cursor.fetchall()]


def _count(
    notification_id: int,
    *,
    targeted: int = 0,
    sent: int = 0,
    failed: int = 0,
    pruned: int = 0,
    outcomes=(),
) -> None:
    update = {
        "targeted": F("targeted") + targeted,
        "sent": F("sent") + sent,
        "failed": F("failed") + failed,
        "pruned": F("pruned") + pruned,
    }
    times = [o.at for o in outcomes if o.ok]
    if times:
        first = datetime.fromtimestamp(min(times), tz=UTC)
        last = datetime.fromtimestamp(max(times), tz=UTC)
        update["first_sent_at"] = Least(Coalesce(F("first_sent_at"), Value(first)), Value(first))
        update["last_sent_at"] = Greatest(Coalesce(F("last_sent_at"), Value(last)), Value(last))
    Notification.objects.filter(pk=notification_id).update(**update)
    _done_when_settled(notification_id)


def deliveries_settle_stale() -> int:
    """Deliveries left "sending" by a worker that died: FCM may or may not have them, and
    sending again could duplicate, so they are counted as failed and never resent."""
    horizon = timezone.now() - timedelta(seconds=settings.PUSH_STALE_DELIVERY_SECONDS)
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, updated_at__lt=horizon)
    per_notification: dict[int, int] = defaultdict(int)
    with transaction.atomic():
        for notification_id in stale.values_list("notification_id", flat=True):
            per_notification[notification_id] += 1
        settled = stale.update(status=Delivery.Status.FAILED, error="LOST_IN_FLIGHT")
        for notification_id, count in per_notification.items():
            _count(notification_id, failed=count)
    return settled


# --- Inbox and live feed ------------------------------------------------------------------------


def _inbox_for_owners(notification: Notification, user_ids: set[int]) -> None:
    """Inbox rows for the owners of the devices a broadcast reached; once per user."""
    if not user_ids:
        return
    table = connection.ops.quote_name(InboxItem._meta.db_table)
    public_id = InboxItem._meta.get_field("public_id")
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(user_ids))
    params: list = []
    for user_id in sorted(user_ids):
        params += [
            public_id.get_db_prep_value(uuid.uuid4(), connection),
            notification.pk,
            user_id,
            notification.created_at,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (public_id, notification_id, user_id, created_at) "  # noqa: S608
            f"VALUES {rows} ON CONFLICT (notification_id, user_id) DO NOTHING RETURNING id",
            params,
        )
        created = [row[0] for row in cursor.fetchall()]
    items = InboxItem.objects.filter(pk__in=created).select_related("notification", "user")
    feed_send_to_users(
        [(item.user.public_id, inbox_event(item, item.user.language)) for item in items]
    )


def inbox_event(item: InboxItem, language: str) -> dict:
    notification = item.notification
    return {
        "type": "notification",
        "id": str(item.public_id),
        "kind": notification.kind,
        "title": notification.title(language),
        "body": notification.body(language),
        "data": notification.data,
        "created_at": item.created_at.isoformat(),
        "read_at": None,
    }


def feed_send_to_users(events: list[tuple]) -> None:
    """Push events to each user's live feed (every open websocket of theirs); all in one go."""
    if not events:
        return
    layer = get_channel_layer()

    async def send_all():
        await asyncio.gather(
            *(
                layer.group_send(user_feed_group(uid), {"type": "feed.event", "event": event})
                for uid, event in events
            )
        )

    async_to_sync(send_all)()


def feed_broadcast_public(*, event: dict) -> None:
    """A public event (a warning broadcast) to every open feed, after the caller's commit."""
    layer = get_channel_layer()
    transaction.on_commit(
        lambda: async_to_sync(layer.group_send)(
            PUBLIC_FEED_GROUP, {"type": "feed.event", "event": event}
        )
    )


def inbox_mark_read(*, user, item: InboxItem) -> None:
    if item.user_id != user.pk:
        raise InvalidNotification()
    InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())


def inbox_mark_all_read(*, user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
