"""Platform wiring: the schema and docs work offline, Celery knows its queues and schedule,
phone numbers never reach the application log."""

import logging
import sys

import pytest

from jaki.celery import app as celery_app
from jaki.logging import RedactSecrets


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

    RedactSecrets().filter(record)

    assert "[phone]" in record.getMessage()
    assert "3456" not in record.getMessage().replace("[phone]", "")


def test_the_console_sms_stand_in_keeps_the_number():
    record = logging.LogRecord(
        "jaki.sms", logging.INFO, __file__, 1, "SMS to +6281234567890", None, None
    )

    RedactSecrets().filter(record)

    assert record.getMessage() == "SMS to +6281234567890"


JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlX29mX3RoZV90b2tlbg"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'127.0.0.1:50000 - "GET /ws/feed/?token={JWT} HTTP/1.1" 101', JWT),
        (f"refresh failed for {JWT}", JWT),
        ("GET /api/v1/cctv/stream?sig=Zm9vYmFy&expires=1", "Zm9vYmFy"),
        ('{"refresh": "opaque-refresh-value"}', "opaque-refresh-value"),
        ("Your JAKI code is 482913. It is valid for 5 minutes.", "482913"),
        ("Kode JAKI Anda 482913. Berlaku 5 menit.", "482913"),
        ('{"phone": "+6281234567890", "code": "482913"}', "482913"),
        ("X-Api-Key: sensor-key-123", "sensor-key-123"),
        ("Authorization: Bearer opaque", "opaque"),
        ("reading from key aK3jdk29dkA0_sjdkQWEkdlsj2k3l4k5j6h7 refused", "aK3jdk29dkA0"),
    ],
)
def test_tokens_codes_and_keys_are_redacted_from_application_logs(text, secret):
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, text, None, None)

    RedactSecrets().filter(record)

    assert secret not in record.getMessage()


def test_ordinary_lines_survive_redaction():
    text = "feed.user.0a1b2c3d4e5f60718293a4b5c6d7e8f9 took 123456 us, status code 429"
    record = logging.LogRecord("jaki", logging.INFO, __file__, 1, text, None, None)

    RedactSecrets().filter(record)

    assert record.getMessage() == text


def test_a_token_in_a_logged_exception_is_redacted():
    try:
        raise ValueError(f"cannot decode {JWT}")
    except ValueError:
        record = logging.LogRecord(
            "jaki.accounts", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )

    RedactSecrets().filter(record)

    assert JWT not in logging.Formatter().format(record)
    assert "[jwt]" in logging.Formatter().format(record)


def test_every_apps_purge_runs_from_the_beat_schedule():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}

    assert {
        "jaki.accounts.tasks.purge_expired",
        "jaki.notifications.tasks.purge_old_records",
        "jaki.idempotency.tasks.purge_expired_idempotency_records",
    } <= tasks


def test_a_retention_setting_that_would_purge_everything_or_nothing_stops_start_up(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.RETENTION_BATCH_SIZE = 0

    with pytest.raises(SystemCheckError, match="RETENTION_BATCH_SIZE must be a positive"):
        call_command("check")
