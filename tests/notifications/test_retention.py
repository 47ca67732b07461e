"""Push records age out: deliveries after RETENTION_DELIVERY_DAYS, inbox items after
RETENTION_INBOX_DAYS, and a notification once nothing of it is left."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jaki.celery import app as celery_app
from jaki.notifications.models import Delivery, InboxItem, Notification
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def notification(*, days_ago: int, state: str = "done") -> Notification:
    return Notification.objects.create(
        kind="test",
        title_id="Banjir",
        body_id="Siaga",
        state=state,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def reached(sent: Notification, devices: int = 1, status: str = "sent") -> None:
    for _ in range(devices):
        device = DeviceFactory()
        Delivery.objects.create(notification=sent, device=device, status=status)
        InboxItem.objects.create(notification=sent, user=device.user, created_at=sent.created_at)


def run_from_beat() -> dict:
    """The beat entry's task, through Celery (eager in tests), with the entry's options."""
    celery_app.loader.import_default_modules()
    (entry,) = [
        e
        for e in celery_app.conf.beat_schedule.values()
        if e["task"] == "jaki.notifications.tasks.purge_old_records"
    ]
    return celery_app.tasks[entry["task"]].apply_async(**entry.get("options", {})).get()


def test_the_purge_runs_from_beat_on_the_default_queue_away_from_the_fan_out():
    (entry,) = [
        e
        for e in celery_app.conf.beat_schedule.values()
        if e["task"] == "jaki.notifications.tasks.purge_old_records"
    ]

    assert entry["options"]["queue"] == "default"
    assert run_from_beat() == {"deliveries": 0, "inbox_items": 0, "notifications": 0}


def test_deliveries_past_their_age_go_and_the_inbox_stays_longer(settings):
    settings.RETENTION_DELIVERY_DAYS, settings.RETENTION_INBOX_DAYS = 90, 180
    old, young = notification(days_ago=100), notification(days_ago=10)
    reached(old, devices=2)
    reached(young)

    purged = run_from_beat()

    assert purged == {"deliveries": 2, "inbox_items": 0, "notifications": 0}
    assert list(Delivery.objects.values_list("notification", flat=True)) == [young.pk]
    assert InboxItem.objects.filter(notification=old).count() == 2
    assert Notification.objects.filter(pk=old.pk).exists()  # its counts are still there


def test_a_notification_goes_once_its_deliveries_and_inbox_items_are_gone(settings):
    settings.RETENTION_DELIVERY_DAYS, settings.RETENTION_INBOX_DAYS = 90, 180
    spent, kept_in_inboxes = notification(days_ago=200), notification(days_ago=120)
    reached(spent)
    reached(kept_in_inboxes)

    purged = run_from_beat()

    assert purged == {"deliveries": 2, "inbox_items": 1, "notifications": 1}
    assert list(Notification.objects.values_list("pk", flat=True)) == [kept_in_inboxes.pk]


def test_nothing_still_in_flight_is_purged(settings):
    settings.RETENTION_DELIVERY_DAYS = settings.RETENTION_INBOX_DAYS = 30
    stuck = notification(days_ago=100, state="sending")
    reached(stuck, status="retry")

    purged = run_from_beat()

    assert purged == {"deliveries": 0, "inbox_items": 1, "notifications": 0}
    assert Delivery.objects.filter(notification=stuck).exists()


def test_it_purges_in_batches_until_nothing_old_is_left(settings):
    settings.RETENTION_BATCH_SIZE = 2
    old = notification(days_ago=400)
    reached(old, devices=5)

    with CaptureQueriesContext(connection) as queries:
        purged = run_from_beat()

    assert purged == {"deliveries": 5, "inbox_items": 5, "notifications": 1}
    assert not Delivery.objects.exists() and not InboxItem.objects.exists()
    batches = f'DELETE FROM "{Delivery._meta.db_table}" WHERE "{Delivery._meta.db_table}"."id" IN'
    assert len([q for q in queries if q["sql"].startswith(batches)]) == 3  # 2 + 2 + 1
