"""A worker killed mid-task: with late acknowledgement Redis hands the task to another worker,
which runs it again from the start (tests/notifications/test_worker_crash.py shows it for the
push fan-out with real workers). Every service's periodic and follow-up tasks are written so
that a second run after the first did its work tells nobody twice.

Residents and officers: one notice per event, however often a task is redelivered."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from airquality import services as airquality
from airquality import tasks as airquality_tasks
from airquality.models import Station
from complaints import tasks as complaints_tasks
from jaki.notifications.models import InboxItem, Notification
from tests.airquality.conftest import NOW, reading
from tests.complaints import factories
from tests.complaints.conftest import load_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def jakarta_map(db):
    """The real offices of Jakarta Pusat and Utara, made before the cast (which joins them)."""
    load_map()


def test_overdue_marking_run_again_tells_the_office_once(
    jakarta_map, cast, django_capture_on_commit_callbacks
):
    office_staff = cast.triage_officer  # of the Gambir office, which Monas routes to
    factories.complaint(reporter=cast.resident)

    with (
        time_machine.travel(timezone.now() + timedelta(hours=6, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = complaints_tasks.mark_overdue.apply().get()
        again = complaints_tasks.mark_overdue.apply().get()  # the redelivered task

    assert first["coordination"] == 1
    assert again == {"coordination": 0, "resolution": 0, "escalated": 0}
    told = InboxItem.objects.filter(user=office_staff, notification__kind="complaint.overdue")
    assert told.count() == 1


def test_air_alerts_evaluated_again_push_once(
    cast, time_machine, django_capture_on_commit_callbacks
):
    dki1 = Station.objects.get(code="DKI1")
    airquality.subscription_set(
        user=cast.resident,
        threshold="tidak_sehat",
        places=[{"name": "Kantor", "lat": dki1.lat, "lon": dki1.lon}],
    )
    time_machine.move_to(NOW, tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # the intake enqueues the evaluation
        airquality.readings_ingest(rows=[reading("DKI1", "pm25", 100, time=NOW)])

    airquality_tasks.evaluate_alerts.apply(args=[[dki1.pk]]).get()  # redelivered

    assert list(Notification.objects.values_list("kind", flat=True)) == ["airquality.alert"]
