"""Work that must not be lost after commit: a broker outage, a fan-out never enqueued, a retry
whose countdown task died. The write stands; the requeue sweeper picks the work up, and sends
nothing twice."""

import logging
import socket

import pytest

from jaki.celery import app as celery_app
from jaki.notifications.models import Device

pytestmark = pytest.mark.django_db

MONAS = {"lat": -6.1754, "lon": 106.8272}  # kelurahan Gambir, 3173081001


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drop_broker_connections() -> None:
    """Celery keeps its connection and producer pools once built: a new broker URL needs new
    ones (Celery drops them the same way after a fork; kombu keeps each URL's own pools)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """The Celery app publishes for real (eager mode off) to a loopback port nobody listens on."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    drop_broker_connections()
    conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    conf.task_always_eager = False
    yield
    drop_broker_connections()
    conf.broker_url, conf.task_always_eager = saved


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
    assert Device.objects.get().kelurahan.code == "3173081001"
    [record] = [r for r in caplog.records if r.name == "jaki.celery"]
    assert "jaki.notifications.tasks.sync_device_topic" in record.getMessage()
    assert "tok-1" not in record.getMessage()
