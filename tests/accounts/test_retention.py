"""Accounts keeps codes, sessions, tokens and admin login records only while they can matter."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from jaki.accounts.models import OTPCode, Session
from jaki.celery import app as celery_app
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE = "081234567890"
LATER = timedelta(days=31)  # past the 30-day refresh lifetime


def run_from_beat() -> dict:
    """The beat entry's task, through Celery (eager in tests), as a worker would find it."""
    celery_app.loader.import_default_modules()
    (entry,) = [
        e
        for e in celery_app.conf.beat_schedule.values()
        if e["task"] == "jaki.accounts.tasks.purge_expired"
    ]
    return celery_app.tasks[entry["task"]].apply_async(**entry.get("options", {})).get()


def test_old_codes_sessions_and_tokens_go_and_a_fresh_login_stays(api_client, login):
    logged_out = login(PHONE)
    api_client.post(
        "/api/v1/auth/logout/",
        {"refresh": logged_out["refresh"]},
        HTTP_AUTHORIZATION=f"Bearer {logged_out['access']}",
    )
    login(PHONE)  # never refreshed again: its refresh token lapses
    assert (OTPCode.objects.count(), Session.objects.count()) == (2, 2)
    assert BlacklistedToken.objects.exists()

    with time_machine.travel(timezone.now() + LATER):
        fresh = login(PHONE)
        purged = run_from_beat()

        assert purged["otp_codes"] == 2
        assert purged["sessions"] == 2
        assert purged["jwt_tokens"] == 2
        assert OTPCode.objects.count() == 1
        assert Session.objects.count() == 1
        assert OutstandingToken.objects.count() == 1
        assert not BlacklistedToken.objects.exists()
        response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": fresh["refresh"]})
        assert response.status_code == 200, response.json()


def test_a_session_that_keeps_rotating_stays_however_old(api_client, login):
    tokens = login(PHONE)

    with time_machine.travel(timezone.now() + timedelta(days=20)):
        response = api_client.post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 200
    with time_machine.travel(timezone.now() + LATER):
        purged = run_from_beat()

    assert purged["sessions"] == 0
    assert Session.objects.count() == 1


def test_codes_still_counted_by_the_rate_window_stay(api_client, request_code):
    request_code(PHONE)

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):  # expired, in the window
        assert run_from_beat()["otp_codes"] == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert run_from_beat()["otp_codes"] == 1


def test_admin_login_failures_go_after_their_cool_off_and_retention(client, settings):
    settings.RETENTION_ADMIN_LOGIN_LOG_DAYS = 90
    officer = UserFactory(phone="+6281100000001", is_staff=True)
    officer.set_password("kuat-sekali-2026")
    officer.save()
    client.post(
        "/admin/login/?next=/admin/",
        {"username": "+6281100000001", "password": "salah"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert AccessAttempt.objects.count() == AccessFailureLog.objects.count() == 1

    with time_machine.travel(timezone.now() + timedelta(hours=1)):  # past the 30-minute cool-off
        purged = run_from_beat()
    assert (purged["admin_login_attempts"], purged["admin_login_logs"]) == (1, 0)
    assert AccessFailureLog.objects.count() == 1  # kept for the admin to read

    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert run_from_beat()["admin_login_logs"] == 1
    assert not AccessFailureLog.objects.exists()
