"""The admin's password form locks out guessing (django-axes): per account and per address."""

import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "kuat-sekali-2026"
ATTACKER = "203.0.113.7"
OWNER_ELSEWHERE = "198.51.100.20"


@pytest.fixture
def superuser():
    admin = UserFactory(phone="+6281100000000", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    return admin


@pytest.fixture
def officer():
    officer = UserFactory(phone="+6281100000001", is_staff=True)
    officer.set_password(PASSWORD)
    officer.save()
    return officer


def _log_in(client, username: str, password: str, address: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def _guess(client, username: str, times: int, address: str = ATTACKER) -> None:
    for n in range(times):
        _log_in(client, username, f"tebakan-{n}", address)


def test_thirty_wrong_passwords_then_the_right_one_is_still_refused(client, superuser):
    _guess(client, "0811 0000 0000", 30)

    response = _log_in(client, "0811 0000 0000", PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_every_spelling_of_the_phone_counts_against_one_account(client, superuser):
    spellings = (
        "0811 0000 0000",
        "+6281100000000",
        "62-811-0000-0000",
        "081100000000",
        "+62 811-0000-0000",
    )
    for n, spelling in enumerate(spellings):  # each from its own address: no address is locked
        _log_in(client, spelling, "salah", f"203.0.113.{n + 10}")

    assert _log_in(client, "+6281100000000", PASSWORD, OWNER_ELSEWHERE).status_code == 429
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"+6281100000000"}


def test_the_lockout_answer_is_translated_and_never_shows_the_phone(client, superuser):
    _guess(client, "0811 0000 0000", 5)

    page = _log_in(client, "0811 0000 0000", PASSWORD, ATTACKER).content.decode()

    assert "Terlalu banyak" in page  # Indonesian, the default language
    assert "6281100000000" not in page
    assert "0811 0000 0000" not in page


def test_the_owner_is_locked_out_from_another_address_too(client, superuser):
    """A botnet spreads its guesses over addresses: only a per-account lock bounds them."""
    _guess(client, "0811 0000 0000", 5)

    assert _log_in(client, "0811 0000 0000", PASSWORD, OWNER_ELSEWHERE).status_code == 429


def test_another_account_from_another_address_is_unaffected(client, superuser, officer):
    _guess(client, "0811 0000 0000", 30)

    response = _log_in(client, "0811 0000 0001", PASSWORD, OWNER_ELSEWHERE)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_an_address_that_guesses_is_locked_for_every_account(client, superuser, officer):
    for n in range(5):
        _log_in(client, f"0811 0000 {n:04d}9", "salah", ATTACKER)  # five different accounts

    assert _log_in(client, "0811 0000 0001", PASSWORD, ATTACKER).status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, superuser):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _guess(client, "0811 0000 0000", 5)
        traveller.shift(31 * 60)

        response = _log_in(client, "0811 0000 0000", PASSWORD, ATTACKER)

    assert response.status_code == 302


def test_failures_are_recorded_and_visible_in_the_admin(client, superuser):
    _guess(client, "0811 0000 0000", 3)
    client.force_login(superuser)

    assert AccessFailureLog.objects.filter(ip_address=ATTACKER).count() == 3
    assert AccessAttempt.objects.get(ip_address=ATTACKER).failures_since_start == 3
    attempts = client.get("/admin/axes/accessattempt/", {"q": "0811-0000-0000"})
    failures = client.get("/admin/axes/accessfailurelog/")
    attempt = AccessAttempt.objects.get()
    detail = client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/")
    for page in (attempts, failures, detail):
        assert page.status_code == 200
        assert "+62811****0000" in page.content.decode()
        assert "+6281100000000" not in page.content.decode()
        assert "0811 0000 0000" not in page.content.decode()


def test_lockout_logs_never_hold_the_phone(client, superuser, caplog):
    with caplog.at_level(logging.INFO, logger="axes"):
        _guess(client, "0811 0000 0000", 6)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "+62811****0000" in logged
    assert "81100000000" not in logged
    assert "0811 0000 0000" not in logged
