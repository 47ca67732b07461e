"""Push tasks, all on the `push` queue: thin wrappers around services, taking ids only.

Tasks are acknowledged late and rejected when their worker dies, so Redis hands a half-done
chunk to another worker; `services.deliveries_send` claims each device before sending, which
makes the redelivery skip whatever the dead worker already tried.
"""

from celery import shared_task

from jaki.notifications import services

PUSH = {"acks_late": True, "reject_on_worker_lost": True}  # routed to `push` in jaki/celery.py


@shared_task(name="jaki.notifications.tasks.fan_out", **PUSH)
def fan_out(notification_id: int) -> int:
    """Plan a notification: enqueue one send task per chunk of devices (or send to topics)."""
    from jaki.notifications.models import Notification

    if Notification.objects.filter(pk=notification_id, via_topic=True).exists():
        send_to_topics.delay(notification_id)
        return 0
    chunks = 0
    for device_ids in services.fanout_chunks(notification_id=notification_id):
        send_chunk.delay(notification_id, device_ids)
        chunks += 1
    services.fanout_finish(notification_id=notification_id)
    return chunks


@shared_task(name="jaki.notifications.tasks.send_chunk", **PUSH)
def send_chunk(notification_id: int, device_ids: list[int], attempt: int = 1) -> int:
    retry_ids, delay = services.deliveries_send(
        notification_id=notification_id, device_ids=device_ids, attempt=attempt
    )
    if retry_ids:
        send_chunk.apply_async((notification_id, retry_ids, attempt + 1), countdown=delay)
    return len(device_ids) - len(retry_ids)


@shared_task(name="jaki.notifications.tasks.send_to_topics", **PUSH)
def send_to_topics(notification_id: int) -> None:
    services.topic_send(notification_id=notification_id)


@shared_task(name="jaki.notifications.tasks.sync_device_topic", **PUSH)
def sync_device_topic(device_id: int, attempt: int = 1) -> None:
    delay = services.device_sync_topic(device_id=device_id, attempt=attempt)
    if delay is not None:
        sync_device_topic.apply_async((device_id, attempt + 1), countdown=delay)


@shared_task(name="jaki.notifications.tasks.leave_topic", **PUSH)
def leave_topic(tokens: list[str], topic: str, attempt: int = 1) -> int:
    """Erased phones leave their kelurahan topic (their rows are gone: no sweep would find
    them), retried with backoff. Returns how many are still refused; never the tokens."""
    from django.conf import settings

    pending = services.devices_leave_topic(tokens=tokens, topic=topic)
    if pending and attempt < settings.PUSH_MAX_ATTEMPTS:
        leave_topic.apply_async(
            (pending, topic, attempt + 1), countdown=services.retry_delay(attempt, 0.0)
        )
    return len(pending)


@shared_task(name="jaki.notifications.tasks.reconcile_device_topics", **PUSH)
def reconcile_device_topics() -> int:
    return services.devices_reconcile_topics()


@shared_task(name="jaki.notifications.tasks.settle_stale_deliveries", **PUSH)
def settle_stale_deliveries() -> int:
    return services.deliveries_settle_stale()


@shared_task(name="jaki.notifications.tasks.requeue_stranded", **PUSH)
def requeue_stranded() -> dict[str, int]:
    """Beat: push work lost between the database and the broker is enqueued again."""
    requeued = services.push_requeue_stranded()
    return {"notifications": requeued.notifications, "deliveries": requeued.deliveries}


@shared_task(name="jaki.notifications.tasks.purge_old_records")
def purge_old_records() -> dict[str, int]:
    """Beat (on the default queue, away from the fan-out): retention of push records."""
    purged = services.notifications_purge_old()
    return {
        "deliveries": purged.deliveries,
        "inbox_items": purged.inbox_items,
        "notifications": purged.notifications,
    }
