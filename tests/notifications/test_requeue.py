"""Work that must not be lost after commit: a broker outage, a fan-out never enqueued, a retry
whose countdown task died. The write stands; the requeue sweeper picks the work up, and sends
nothing twice."""

import contextlib
import logging
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from jaki.celery import app as celery_app
from jaki.notifications import services, tasks
from jaki.notifications.models import Delivery, Device, Notification
from tests.accounts.factories import UserFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db

MONAS = {"lat": -6.1754, "lon": 106.8272}  # kelurahan Gambir, 31.71.01.1001


def drop_broker_connections() -> None:
    """Celery keeps its connection and producer pools once built: a new broker URL needs new
    ones (Celery drops them the same way after a fork; kombu keeps each URL's own pools)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_unreachable():
    """The Celery app publishes for real (eager mode off) to a loopback port nobody listens on."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    drop_broker_connections()
    conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    conf.task_always_eager = False
    try:
        yield
    finally:
        drop_broker_connections()
        conf.broker_url, conf.task_always_eager = saved


@pytest.fixture
def broker_down():
    with broker_unreachable():
        yield


def phones(count: int) -> list[Device]:
    user = UserFactory()
    return [
        services.device_register(user=user, token=f"tok-{user.pk}-{i}", platform="android")[0]
        for i in range(count)
    ]


def later(seconds: float):
    """Past the sweeper's grace period (PUSH_REQUEUE_AFTER_SECONDS, 300 s by default)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """One run of the beat task. (Beat runs it outside any transaction, so what it enqueues
    leaves at once; here the test's transaction is open, so its commit is played.)"""

    def run() -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.requeue_stranded.delay().get()

    return run


def sends_per_token(firebase) -> Counter:
    return Counter(m.token for m in firebase.sent if m.error is None)


def test_a_write_stands_when_the_broker_is_down_after_commit(
    resident, as_user, demo_regions, broker_down, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger="jaki.celery"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = as_user(resident).post(
            "/api/v1/devices/", {"token": "tok-1", "platform": "android", **MONAS}
        )

    assert response.status_code == 201
    assert Device.objects.get().kelurahan.code == "31.71.01.1001"
    [record] = [r for r in caplog.records if r.name == "jaki.celery"]
    assert "jaki.notifications.tasks.sync_device_topic" in record.getMessage()
    assert "tok-1" not in record.getMessage()


def test_a_fan_out_lost_to_a_broker_outage_is_sent_by_the_sweeper_once(
    firebase, sweep, django_capture_on_commit_callbacks
):
    devices = phones(3)
    with broker_unreachable(), django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=devices
        )
    notification.refresh_from_db()
    assert notification.state == Notification.State.QUEUED
    assert firebase.sent == []

    assert sweep() == {"notifications": 0, "deliveries": 0}  # still within the grace period
    with later(301):
        assert sweep() == {"notifications": 1, "deliveries": 0}
        sweep()  # a second sweep (or a second beat) finds nothing left to send

    assert sends_per_token(firebase) == {d.token: 1 for d in devices}
    notification.refresh_from_db()
    assert (notification.state, notification.sent) == (Notification.State.DONE, 3)


def test_a_late_original_fan_out_and_the_sweeper_send_each_device_once(
    firebase, sweep, django_capture_on_commit_callbacks
):
    devices = phones(4)
    with django_capture_on_commit_callbacks(execute=False) as original:
        notification = services.notify(
            kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=devices
        )

    with later(301):
        sweep()
        sweep()
        for callback in original:  # the first fan-out task arrives after all
            callback()

    assert sends_per_token(firebase) == {d.token: 1 for d in devices}
    notification.refresh_from_db()
    assert (notification.targeted, notification.sent, notification.failed) == (4, 4, 0)


def test_a_fan_out_that_died_half_way_through_its_plan_is_finished_once(firebase, sweep, settings):
    settings.PUSH_CHUNK_SIZE = 2
    devices = phones(5)
    notification = services.notify(
        kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=devices
    )
    # The fan-out task planned and sent its first chunk, then failed to enqueue the next.
    plan = services.fanout_chunks(notification_id=notification.pk)
    first = next(plan)
    services.deliveries_send(notification_id=notification.pk, device_ids=first)
    plan.close()

    with later(301):
        assert sweep()["notifications"] == 1
        sweep()

    assert sends_per_token(firebase) == {d.token: 1 for d in devices}
    notification.refresh_from_db()
    assert (notification.state, notification.targeted, notification.sent) == ("done", 5, 5)


def test_a_retry_whose_countdown_task_died_is_resent_once_when_due(firebase, sweep, settings):
    settings.PUSH_RETRY_BASE_SECONDS = 10
    [phone] = phones(1)
    notification = services.notify(
        kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=[phone]
    )
    firebase.fail_next("UNAVAILABLE")
    # The fan-out ran as its tasks run it, but the countdown task it left for the retry died
    # with its worker.
    [chunk] = services.fanout_chunks(notification_id=notification.pk)
    retry_ids, delay = services.deliveries_send(notification_id=notification.pk, device_ids=chunk)
    services.fanout_finish(notification_id=notification.pk)
    assert retry_ids == [phone.pk]

    with later(delay + 200):
        assert sweep()["deliveries"] == 0  # due, but within the grace period
    with later(delay + 301):
        assert sweep()["deliveries"] == 1
        assert sweep()["deliveries"] == 0  # enqueued once; not again before a new grace period
        # Were the original countdown task alive after all, it would find nothing to send.
        tasks.send_chunk.delay(notification.pk, retry_ids, 2)

    assert [m.error for m in firebase.sent] == ["UNAVAILABLE", None]
    delivery = Delivery.objects.get(device=phone)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    notification.refresh_from_db()
    assert (notification.state, notification.sent) == (Notification.State.DONE, 1)


def test_a_requeued_topic_send_goes_out_once(
    firebase, sweep, demo_regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as original:
        notification = services.notify(
            kind="alert",
            title={"id": "Banjir"},
            body={"id": "Air naik."},
            kelurahan=["31.71.01.1001"],
            via_topic=True,
            inbox=False,
        )

    with later(301):
        sweep()
        for callback in original:
            callback()
        sweep()

    topics = Counter(m.message.get("topic") for m in firebase.sent)
    assert topics == {"kel-31.71.01.1001-id": 1, "kel-31.71.01.1001-en": 1}
    notification.refresh_from_db()
    assert notification.state == Notification.State.DONE
