"""The requeue sweeper: push work whose task never reached the broker (an outage after commit)
or was lost with its worker (a retry's countdown task) is enqueued again from the database.

Enqueuing twice is safe, which is what lets the sweeper act without knowing whether a task is
still alive somewhere: a chunk claims each delivery just before it goes out (`deliveries_send`)
and a topic send claims its notification (`topic_send`), so whichever task comes second finds
nothing left to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jaki.celery import enqueue_on_commit
from jaki.notifications.models import Delivery, Notification


@dataclass(frozen=True, slots=True)
class Requeued:
    notifications: int  # fan-outs enqueued again
    deliveries: int  # devices whose retry was enqueued again


def push_requeue_stranded() -> Requeued:
    """Enqueue again the fan-out of notifications still `queued` (or half-planned)
    PUSH_REQUEUE_AFTER_SECONDS after they were created, and the retries due at least that long
    ago."""
    from jaki.notifications import tasks

    now = timezone.now()
    horizon = now - timedelta(seconds=settings.PUSH_REQUEUE_AFTER_SECONDS)
    # Never fanned out, or a plan that died half-way (its task failed to enqueue a chunk):
    # planning only enqueues, so one still unfinished after the grace period is not running.
    queued = list(
        Notification.objects.filter(
            Q(state=Notification.State.QUEUED)
            | Q(state=Notification.State.SENDING, planned_at__isnull=True),
            created_at__lt=horizon,
        ).values_list("pk", flat=True)
    )
    for notification_id in queued:
        enqueue_on_commit(tasks.fan_out, notification_id)

    # A retry row from before due times were kept is due at the latest after the longest backoff.
    due = Delivery.objects.filter(
        Q(retry_at__lt=horizon)
        | Q(
            retry_at__isnull=True,
            updated_at__lt=horizon - timedelta(seconds=settings.PUSH_RETRY_MAX_SECONDS),
        ),
        status=Delivery.Status.RETRY,
    ).order_by("notification_id", "attempts", "device_id")
    rows = list(due.values_list("pk", "notification_id", "attempts", "device_id"))
    # Due again from now: the next sweep leaves them to the task just enqueued for a while.
    Delivery.objects.filter(pk__in=[row[0] for row in rows], status=Delivery.Status.RETRY).update(
        retry_at=now
    )
    size = settings.PUSH_CHUNK_SIZE
    for (notification_id, attempts), group in groupby(rows, key=lambda row: row[1:3]):
        device_ids = [row[3] for row in group]
        for start in range(0, len(device_ids), size):
            enqueue_on_commit(
                tasks.send_chunk, notification_id, device_ids[start : start + size], attempts + 1
            )
    return Requeued(notifications=len(queued), deliveries=len(rows))
