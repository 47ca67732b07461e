"""Devices: registration, location (kelurahan and its FCM topic), deactivation."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jaki.celery import enqueue_on_commit
from jaki.notifications import fcm, selectors
from jaki.notifications.models import Device
from jaki.regions.models import Region
from jaki.regions.selectors import locate

logger = logging.getLogger(__name__)


def kelurahan_topic(code: str, language: str) -> str:
    """One FCM topic per kelurahan and language, so a topic send can speak the device's language."""
    return f"kel-{code}-{language}"


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
        elif device.user_id != user.pk:
            _forget_previous_owner(device, user)
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
        device.save(update_fields=None if created else [*DEVICE_FIELDS_SET_BY_THE_APP, "is_test"])
        _sync_topic_on_commit(device)
    return device, created


def _forget_previous_owner(device: Device, user) -> None:
    """A phone that changed hands starts clean: nothing of where the previous owner was, or of
    their app, is kept or answered to the new owner; only this registration's fields count (the
    topic then follows the new location). Past deliveries and inbox rows stay the previous
    owner's."""
    device.lat = device.lon = None
    device.kelurahan = None
    device.fid = ""
    device.app_version = ""
    device.language = user.language
    device.is_test = False


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
    # What the topic and the answer need: the boundary is the size of a small map.
    device.kelurahan = (
        Region.objects.only("code", "name").filter(code=located.kelurahan.code).first()
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


DEAD_TOKEN_REASON = "fcm:dead-token"


def devices_prune_dead(*, device_ids: list[int], now=None) -> int:
    """Tokens FCM says are gone (a send or a topic call): never pushed to again. They leave no
    topic behind: FCM dropped their subscriptions with them."""
    return Device.objects.filter(pk__in=device_ids).update(
        is_active=False,
        deactivated_at=now or timezone.now(),
        deactivation_reason=DEAD_TOKEN_REASON,
    )


def devices_deactivate_for_user(*, user, reason: str, token: str | None = None) -> int:
    """Logout: the user's phones get no more pushes. A plain logout names its own phone's push
    token (`token`) and only that device stops; logging out everywhere stops them all. Open
    feeds are the session's business (`feed_revoke`); erasure deletes the devices instead
    (`notifications_forget_user`)."""
    devices = Device.objects.filter(user=user, is_active=True)
    if token is not None:
        devices = devices.filter(token=token)
    devices = list(devices)
    for device in devices:
        device_deactivate(device=device, reason=reason)
    return len(devices)


def devices_leave_topic(*, tokens: list[str], topic: str) -> list[str]:
    """Unsubscribe tokens whose rows are gone (an erased user's phones) from `topic`. Returns
    the tokens FCM refused for now (to retry); a token FCM no longer knows has left already."""
    refused = fcm.get_push_backend().unsubscribe(tokens, topic).errors
    if pending := [t for t, e in refused.items() if e not in TOPIC_GONE_ERRORS]:
        logger.warning("Leaving %s refused for %d token(s)", topic, len(pending))
    return pending


def _sync_topic_on_commit(device: Device) -> None:
    # The topic a sync task may have moved meanwhile, and the kelurahan's code, in one read.
    device.topic, code = (
        Device.objects.filter(pk=device.pk).values_list("topic", "kelurahan__code").get()
    )
    if device.topic != _topic_for(device, code):
        from jaki.notifications import tasks

        enqueue_on_commit(tasks.sync_device_topic, device.pk)


def _wanted_topic(device: Device) -> str:
    return _topic_for(device, device.kelurahan.code if device.kelurahan else None)


def _topic_for(device: Device, kelurahan_code: str | None) -> str:
    if not device.is_active or not kelurahan_code:
        return ""
    return kelurahan_topic(kelurahan_code, device.language)


# The SDK's topic calls take at most 1,000 tokens; a reconcile run moves at most
# TOPIC_RECONCILE_LIMIT devices, and stops at FCM's first quota answer, so a backlog is worked
# off over several runs instead of tripping FCM's rate limits.
TOPIC_BATCH = 1000
TOPIC_RECONCILE_LIMIT = 10_000
TOPIC_QUOTA_ERRORS = frozenset({"QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED"})
# The token is gone: no subscription of it survives, and it can join none.
TOPIC_GONE_ERRORS = frozenset({*fcm.DEAD_TOKEN_ERRORS, "NOT_FOUND"})


def device_sync_topic(*, device_id: int, attempt: int = 1) -> float | None:
    """Move one device's topic subscription to its kelurahan (and language), through FCM.

    Returns how long to wait before trying again when FCM refused (exponential backoff with
    jitter, PUSH_MAX_ATTEMPTS in all), else None. A device left out of sync keeps the topic it
    really has (`topic`), so the reconcile beat finds it later too."""
    from jaki.notifications.services.delivery import retry_delay

    if not devices_sync_topics(device_ids=[device_id]).pending:
        return None
    if attempt >= settings.PUSH_MAX_ATTEMPTS:
        return None
    return retry_delay(attempt, 0.0)


def devices_reconcile_topics(*, limit: int = TOPIC_RECONCILE_LIMIT) -> int:
    """The beat's sweep: every device whose subscription is not the one it should have (a
    failed or lost sync) is moved again, in batches. Returns how many it brought in sync."""
    device_ids = selectors.devices_topic_out_of_sync(limit=limit)
    synced = 0
    for start in range(0, len(device_ids), TOPIC_BATCH):
        result = devices_sync_topics(device_ids=device_ids[start : start + TOPIC_BATCH])
        synced += result.synced
        if result.throttled:
            logger.warning("Topic reconcile stopped: FCM's topic quota is exhausted")
            break
    return synced


@dataclass
class TopicSync:
    synced: int = 0
    pending: list[int] = field(default_factory=list)  # still not where they should be
    throttled: bool = False  # FCM answered with its quota error


def devices_sync_topics(*, device_ids: list[int]) -> TopicSync:
    """Move each device's subscription to the topic it should have, one FCM call per batch of
    devices sharing a move, judging each token's answer on its own.

    No lock is held across the FCM calls; each write only lands if nobody moved the topic
    meanwhile (a later sync, queued by that change, then finishes the move)."""
    result = TopicSync()
    moves: dict[tuple[str, str], list[Device]] = defaultdict(list)
    devices = Device.objects.select_related("kelurahan").defer("kelurahan__boundary")
    for device in devices.filter(pk__in=device_ids):
        wanted = _wanted_topic(device)
        if device.topic != wanted:
            moves[(device.topic, wanted)].append(device)
    if not moves:
        return result
    backend = fcm.get_push_backend()
    for (current, wanted), devices in moves.items():
        for start in range(0, len(devices), TOPIC_BATCH):
            _move_topic(backend, devices[start : start + TOPIC_BATCH], current, wanted, result)
    return result


def _move_topic(backend, devices: list[Device], current: str, wanted: str, result: TopicSync):
    by_token = {device.token: device for device in devices}
    errors: dict[str, str] = {}
    left = list(by_token)
    if current:
        refused = backend.unsubscribe(left, current).errors
        errors |= {t: e for t, e in refused.items() if e not in TOPIC_GONE_ERRORS}
        left = [t for t in left if t not in errors]
    joined, gone = left, []
    if wanted and left:
        refused = backend.subscribe(left, wanted).errors
        gone = [t for t, e in refused.items() if e in TOPIC_GONE_ERRORS]
        errors |= {t: e for t, e in refused.items() if e not in TOPIC_GONE_ERRORS}
        joined = [t for t in left if t not in refused]
    ids = [by_token[t].pk for t in joined]
    result.synced += Device.objects.filter(pk__in=ids, topic=current).update(topic=wanted)
    if stranded := [by_token[t].pk for t in left if t in errors or t in gone]:
        # Out of the old topic, not yet in the new one: recorded as such, and retried.
        Device.objects.filter(pk__in=stranded, topic=current).update(topic="")
    if gone:
        devices_prune_dead(device_ids=[by_token[t].pk for t in gone])
    if errors:
        result.pending += [by_token[t].pk for t in errors]
        result.throttled = result.throttled or not TOPIC_QUOTA_ERRORS.isdisjoint(errors.values())
        logger.warning("Topic sync refused for %d device(s): %s", len(errors), set(errors.values()))
