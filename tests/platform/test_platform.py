"""Platform wiring: the schema and docs work offline, Celery knows its queues and schedule,
phone numbers never reach the application log."""

import logging

import pytest

from jaki.celery import app as celery_app
from jaki.logging import RedactPhoneNumbers


def test_the_openapi_schema_and_docs_are_served_without_internet(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/auth/otp/" in schema.content
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # assets come from the sidecar, not a CDN


def test_celery_declares_the_four_queues_and_a_beat_schedule():
    queues = {queue.name for queue in celery_app.conf.task_queues}

    assert queues == {"default", "push", "ingest", "probes"}
    assert celery_app.conf.beat_schedule
    celery_app.loader.import_default_modules()  # what a worker does at start: find every task
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks


def test_push_tasks_go_to_the_push_queue():
    route = celery_app.amqp.router.route({}, "jaki.notifications.tasks.send_chunk")

    assert route["queue"].name == "push"


@pytest.mark.parametrize(
    "text",
    ["login by +6281234567890", "nomor 0812-3456-7890", "628123456789 gagal", "+62 812 3456 7890"],
)
def test_phone_numbers_are_redacted_from_application_logs(text):
    record = logging.LogRecord("jaki.accounts", logging.INFO, __file__, 1, text, None, None)

    RedactPhoneNumbers().filter(record)

    assert "[phone]" in record.getMessage()
    assert "3456" not in record.getMessage().replace("[phone]", "")


def test_the_console_sms_stand_in_keeps_the_number():
    record = logging.LogRecord(
        "jaki.sms", logging.INFO, __file__, 1, "SMS to +6281234567890", None, None
    )

    RedactPhoneNumbers().filter(record)

    assert record.getMessage() == "SMS to +6281234567890"


@pytest.mark.django_db
def test_expired_login_codes_are_purged(settings):
    from datetime import timedelta

    from django.utils import timezone

    from jaki.accounts.models import OTPCode
    from jaki.accounts.tasks import purge_expired_otp_codes

    old = timezone.now() - timedelta(hours=1)
    OTPCode.objects.create(phone="+6281234567890", code_hash="x", created_at=old, expires_at=old)
    OTPCode.objects.create(phone="+6281234567890", code_hash="y", expires_at=timezone.now())

    assert purge_expired_otp_codes.delay().get() == 1
    assert OTPCode.objects.count() == 1
