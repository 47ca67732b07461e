"""The fan-out, run by the `push` tasks: plan chunks, send windows, count, retry, settle."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from jaki.notifications import fcm, selectors
from jaki.notifications.models import Delivery, Device, Language, Notification
from jaki.notifications.services.devices import kelurahan_topic
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
        inbox_for_owners(notification, owners)
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
