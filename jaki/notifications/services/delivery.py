"""The fan-out, run by the `push` tasks: plan chunks, send windows, count, retry, settle."""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from jaki.notifications import fcm, selectors
from jaki.notifications.models import Delivery, Device, Language, Notification
from jaki.notifications.services.devices import devices_prune_dead, kelurahan_topic
from jaki.notifications.services.feed import inbox_for_owners
from jaki.notifications.services.notify import build_push


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
    """A kelurahan audience as one message per kelurahan topic and language, sent once: the
    send claims the notification (queued -> sending), so a requeued second task sends nothing."""
    claimed = Notification.objects.filter(
        pk=notification_id, state=Notification.State.QUEUED
    ).update(state=Notification.State.SENDING)
    if not claimed:
        return
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
    _done_when_settled(notification_id)


PIPELINE = 2  # windows on the wire per task: the next is claimed while one is in flight


@dataclass(slots=True)
class _Window:
    claimed: list[int]  # device ids this task took for sending
    devices: list[tuple[int, str, str, int]]  # the active ones: id, token, language, user
    outcomes: Future[list[fcm.Outcome]]


@dataclass(slots=True)
class _Progress:
    retry_ids: list[int] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    owners: set[int] = field(default_factory=set)


def deliveries_send(
    *, notification_id: int, device_ids: list[int], attempt: int = 1
) -> tuple[list[int], float]:
    """Send one chunk, PUSH_SEND_CONCURRENCY devices (a window) at a time.

    Each window is claimed in one statement just before it goes out: its deliveries are
    written `sending` (a retry moves them back from `retry`). A redelivered task (its worker
    died) claims only what nobody took yet, so no device gets a notification twice and none is
    lost. While one window is on the wire the next is claimed and sent, and outcomes are
    recorded as they come back: at most PIPELINE windows are in doubt after a crash, and
    `deliveries_settle_stale` counts them as failed later.

    Returns the device ids to retry and how long to wait first (Retry-After or backoff).
    """
    notification = Notification.objects.get(pk=notification_id)
    pushes = {language: build_push(notification, language) for language in Language.values}
    backend = fcm.get_push_backend()
    size = settings.PUSH_SEND_CONCURRENCY
    progress = _Progress()
    in_flight: deque[_Window] = deque()
    for start in range(0, len(device_ids), size):
        claimed = _claim(notification_id, device_ids[start : start + size])
        window = _sendable(notification, claimed)
        outcomes = backend.submit(
            [replace(pushes[language], token=token) for _, token, language, _ in window]
        )
        in_flight.append(_Window(claimed, window, outcomes))
        if len(in_flight) >= PIPELINE:
            _record(notification, in_flight.popleft(), attempt, progress)
    while in_flight:
        _record(notification, in_flight.popleft(), attempt, progress)
    _done_when_settled(notification_id)
    if notification.inbox:  # named users already have theirs; the insert skips them
        inbox_for_owners(notification, progress.owners)
    delay = retry_delay(attempt, max(progress.waits, default=0.0))
    if progress.retry_ids:
        Delivery.objects.filter(
            notification_id=notification_id,
            device_id__in=progress.retry_ids,
            status=Delivery.Status.RETRY,
        ).update(retry_at=timezone.now() + timedelta(seconds=delay))
    return progress.retry_ids, delay


def _sendable(notification: Notification, claimed: list[int]) -> list[tuple[int, str, str, int]]:
    """The claimed devices still active, read with their owner just before the send (one query
    per window): a token that changed hands since the plan gets the inbox row of its owner now,
    and a message to named users never reaches a phone none of them owns any more."""
    if not claimed:
        return []
    # Plain SQL, like the claim: this runs once per window, where the ORM would add
    # about a millisecond of CPU per window of 64 (three times the query's own cost).
    table = connection.ops.quote_name(Device._meta.db_table)
    sql = (
        f"SELECT id, token, language, user_id FROM {table} "  # noqa: S608  (values bound)
        f"WHERE is_active AND id IN ({', '.join(['%s'] * len(claimed))})"
    )
    params: list = list(claimed)
    if set(notification.audience) == {"users"}:
        users = notification.audience["users"]
        sql += f" AND user_id IN ({', '.join(['%s'] * len(users))})"
        params += users
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY id", params)
        return [tuple(row) for row in cursor.fetchall()]


def _record(notification: Notification, window: _Window, attempt: int, progress: _Progress) -> None:
    """Write what FCM answered for one window, and count it, in one transaction."""
    outcomes = window.outcomes.result()
    by_status: dict[tuple[str, str], list[int]] = defaultdict(list)
    dead_ids: list[int] = []
    for (device_id, _token, _language, user_id), outcome in zip(
        window.devices, outcomes, strict=True
    ):
        progress.owners.add(user_id)
        if outcome.ok:
            by_status[(Delivery.Status.SENT, "")].append(device_id)
        elif outcome.dead_token:
            by_status[(Delivery.Status.PRUNED, outcome.error)].append(device_id)
            dead_ids.append(device_id)
        elif outcome.retryable and attempt < settings.PUSH_MAX_ATTEMPTS:
            by_status[(Delivery.Status.RETRY, outcome.error)].append(device_id)
            progress.retry_ids.append(device_id)
            progress.waits.append(outcome.retry_after or 0.0)
        else:
            by_status[(Delivery.Status.FAILED, outcome.error or "UNKNOWN")].append(device_id)
    if gone := set(window.claimed) - {d[0] for d in window.devices}:
        by_status[(Delivery.Status.FAILED, "DEVICE_INACTIVE")].extend(sorted(gone))

    settled: dict[str, int] = defaultdict(int)
    now = timezone.now()
    with transaction.atomic():
        for (status, error), ids in by_status.items():
            settled[status] += _settle(notification.pk, ids, status, error, now)
        if dead_ids:
            devices_prune_dead(device_ids=dead_ids, now=now)
        _count(
            notification.pk,
            sent=settled[Delivery.Status.SENT],
            failed=settled[Delivery.Status.FAILED],
            pruned=settled[Delivery.Status.PRUNED],
            outcomes=outcomes,
        )


def retry_delay(attempt: int, retry_after: float) -> float:
    """Exponential backoff with jitter (half to all of the step), never sooner than the
    server's Retry-After."""
    ceiling = min(
        settings.PUSH_RETRY_MAX_SECONDS, settings.PUSH_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    )
    return max(retry_after, random.uniform(ceiling / 2, ceiling))  # noqa: S311  (jitter, not crypto)


def _claim(notification_id: int, device_ids: list[int]) -> list[int]:
    """Atomically take devices for sending and return those taken, in id order: new ones are
    written `sending`, ones waiting for a retry move to `sending`; a device already taken (by
    this chunk's earlier run, or any other) is not returned."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    rows = ", ".join(["(%s)"] * len(device_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608  (table name from the model, values bound)
            "(notification_id, device_id, status, attempts, error, updated_at) "
            f"SELECT %s, column1, 'sending', 1, '', %s FROM (VALUES {rows}) AS claimed "
            "WHERE true "  # SQLite needs a WHERE between INSERT … SELECT and ON CONFLICT
            "ON CONFLICT (notification_id, device_id) DO UPDATE SET status = 'sending', "
            f"attempts = {table}.attempts + 1, updated_at = excluded.updated_at "
            f"WHERE {table}.status = 'retry' "
            "RETURNING device_id",
            [notification_id, timezone.now(), *device_ids],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _settle(
    notification_id: int, device_ids: list[int], status: str, error: str, now: datetime
) -> int:
    """Record an outcome for deliveries still `sending`; returns how many were. (One the stale
    sweeper already counted as lost stays as it is, so nothing is counted twice.)"""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    marks = ", ".join(["%s"] * len(device_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, error = %s, updated_at = %s "  # noqa: S608
            f"WHERE notification_id = %s AND status = 'sending' AND device_id IN ({marks})",
            [status, error, now, notification_id, *device_ids],
        )
        return cursor.rowcount


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


def deliveries_abandon_for_devices(*, device_ids: list[int]) -> int:
    """Devices about to be deleted (erasure) take their delivery rows with them: whatever is
    still in flight to them (sending, waiting to retry) is counted failed first, so their
    notification's counts stay whole and it can still settle as done."""
    in_flight = Delivery.objects.filter(
        device_id__in=device_ids, status__in=[Delivery.Status.SENDING, Delivery.Status.RETRY]
    )
    per_notification: dict[int, int] = defaultdict(int)
    # Locked: the stale sweeper skips them, and a late worker's record waits, then finds none.
    for (notification_id,) in in_flight.select_for_update(of=("self",)).values_list(
        "notification_id"
    ):
        per_notification[notification_id] += 1
    in_flight.update(status=Delivery.Status.FAILED, error="DEVICE_ERASED")
    for notification_id, abandoned in per_notification.items():
        _count(notification_id, failed=abandoned)
        _done_when_settled(notification_id)
    return sum(per_notification.values())


def deliveries_settle_stale() -> int:
    """Deliveries left "sending" by a worker that died: FCM may or may not have them, and
    sending again could duplicate, so they are counted as failed and never resent.

    Only a notification still `sending` can hold them (one with a delivery in doubt is never
    done), so the search goes through those and the (notification, device) index."""
    horizon = timezone.now() - timedelta(seconds=settings.PUSH_STALE_DELIVERY_SECONDS)
    stale = Delivery.objects.filter(
        notification__state=Notification.State.SENDING,
        status=Delivery.Status.SENDING,
        updated_at__lt=horizon,
    )
    per_notification: dict[int, list[int]] = defaultdict(list)
    with transaction.atomic():
        # Locked, so a late worker recording one of them waits, then finds it no longer sending.
        for pk, notification_id in stale.select_for_update(
            skip_locked=True, of=("self",)
        ).values_list("pk", "notification_id"):
            per_notification[notification_id].append(pk)
        for notification_id, pks in per_notification.items():
            Delivery.objects.filter(pk__in=pks).update(
                status=Delivery.Status.FAILED, error="LOST_IN_FLIGHT", updated_at=timezone.now()
            )
            _count(notification_id, failed=len(pks))
            _done_when_settled(notification_id)
    return sum(map(len, per_notification.values()))
