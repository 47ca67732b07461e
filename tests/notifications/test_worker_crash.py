"""A worker dies mid-chunk; Redis redelivers the task to another worker. No device may get the
notification twice, and only the (at most two) windows the dead worker had claimed are in doubt:
everything after them is sent by the second worker.

Real parts only: PostgreSQL, Redis, two `celery worker` processes, firebase-admin against the
fake FCM server; the first worker is killed with SIGKILL while FCM holds its second window.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from jaki.celery import app as celery_app
from jaki.notifications import services
from jaki.notifications.models import Delivery, Device, Notification
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_env(fake_fcm, tmp_path):
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(fake_fcm.service_account_info("jaki-test")))
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "PUSH_BACKEND": "firebase",
        "FIREBASE_CREDENTIALS": str(credentials),
        "FCM_ENDPOINT": fake_fcm.url,
        "PUSH_SEND_CONCURRENCY": "4",
    }
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "jaki",
                "worker",
                "-Q",
                "push",
                "--pool",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        workers.append(worker)
        return worker

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_no_device_gets_a_notification_twice_when_a_worker_dies_mid_chunk(
    fake_fcm, worker_env, settings
):
    user = UserFactory()
    devices = [
        services.device_register(user=user, token=f"crash-token-{i:02d}", platform="android")[0]
        for i in range(20)
    ]
    # Windows of 4 (PUSH_SEND_CONCURRENCY), in device id order, two claimed at a time: the
    # worker records the first, claims the third, then waits on the second, which FCM holds.
    second_window, third_window = devices[4:8], devices[8:12]
    for device in second_window:
        fake_fcm.hang_token(device.token)

    notification = services.notify(
        kind="alert", title={"id": "Uji"}, body={"id": "Uji"}, users=[user], inbox=False
    )
    first_worker = worker_env()
    wait_for(
        lambda: (
            len(fake_fcm.sent) >= 8
            and Delivery.objects.filter(device__in=third_window).count() == 4
        ),
        what="the first worker to claim the third window",
    )
    os.killpg(first_worker.pid, signal.SIGKILL)
    first_worker.wait(timeout=10)
    tried_by_the_first = [m.token for m in fake_fcm.sent]
    fake_fcm.reset()

    worker_env()  # Redis hands the unacknowledged chunk to this one after the visibility timeout
    wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, sent=12).exists(),
        what="the redelivered chunk",
    )

    sends = Counter(tried_by_the_first + [m.token for m in fake_fcm.sent])
    assert max(sends.values()) == 1, "a device got the notification twice"
    in_doubt = set(
        Delivery.objects.filter(notification=notification, status="sending").values_list(
            "device__token", flat=True
        )
    )
    assert in_doubt == {d.token for d in second_window + third_window}
    assert set(sends) | in_doubt == {d.token for d in devices}, "a device was forgotten"

    settings.PUSH_STALE_DELIVERY_SECONDS = 0
    assert services.deliveries_settle_stale() == 8
    notification.refresh_from_db()
    assert (notification.targeted, notification.sent, notification.failed) == (20, 12, 8)
    assert notification.state == Notification.State.DONE
    assert Device.objects.filter(is_active=True).count() == 20
