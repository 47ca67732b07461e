"""The broker (a Redis of the test's own) down while a notification is made, with a real
Celery worker and firebase-admin against the fake FCM.

Residents: the warning reaches each phone once, when the broker is back. Officers: what they
did (the write behind the notification) stands and their client got its normal answer; the
log names the task that could not be enqueued (never its arguments); the beat sweeper starts the
fan-out once the broker answers again, and the worker reconnects by itself."""

import json
import logging
import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from django.conf import settings

from jaki.celery import app as celery_app
from jaki.notifications import services, tasks
from jaki.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.notifications.test_requeue import drop_broker_connections
from tests.notifications.test_worker_crash import ROOT, wait_for
from tests.servers import current_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(own_redis):
    """This process publishes to the test's own Redis for real (eager mode off)."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    drop_broker_connections()
    conf.broker_url, conf.task_always_eager = own_redis.url, False
    try:
        yield own_redis
    finally:
        drop_broker_connections()
        conf.broker_url, conf.task_always_eager = saved


@pytest.fixture
def push_worker(broker, fake_fcm, tmp_path):
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(fake_fcm.service_account_info("jaki-test")))
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PUSH_BACKEND": "firebase",
        "FIREBASE_CREDENTIALS": str(credentials),
        "FCM_ENDPOINT": fake_fcm.url,
    }
    command = [sys.executable, "-m", "celery", "-A", "jaki", "worker", "-Q", "push"]
    command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        yield worker
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def test_a_notification_made_while_the_broker_is_down_goes_out_once_when_it_is_back(
    broker, push_worker, fake_fcm, settings, caplog
):
    user = UserFactory()
    celery_app.conf.task_always_eager = True  # the phones register before the outage
    devices = [
        services.device_register(user=user, token=f"tok-{i}", platform="android")[0]
        for i in range(3)
    ]
    celery_app.conf.task_always_eager = False

    broker.stop()
    with caplog.at_level(logging.ERROR, logger="jaki.celery"):
        notification = services.notify(
            kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=devices
        )
    assert Notification.objects.get(pk=notification.pk).state == Notification.State.QUEUED
    [logged] = [r.getMessage() for r in caplog.records if r.name == "jaki.celery"]
    assert logged.startswith("Could not enqueue jaki.notifications.tasks.fan_out after commit")

    broker.start()  # the same port: the worker reconnects by itself
    settings.PUSH_REQUEUE_AFTER_SECONDS = 0
    drop_broker_connections()
    assert tasks.requeue_stranded()["notifications"] == 1  # what beat runs every 5 minutes

    wait_for(lambda: len(fake_fcm.sent) >= 3, timeout=60, what="the fan-out")
    assert Counter(m.token for m in fake_fcm.sent) == {"tok-0": 1, "tok-1": 1, "tok-2": 1}
    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).sent == 3,
        timeout=30,
        what="the counts",
    )
