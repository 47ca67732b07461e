"""Someone hammering a number with code requests and guesses from one address cannot keep its
owner, asking from another address, from logging in."""

import pytest
import time_machine
from django.utils import timezone

from jaki.accounts.models import OTPCode
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE = "081234567890"
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.5"}


def _guess(api_client, code: str, **where):
    return api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code}, **where)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.mark.parametrize("is_staff", [False, True])
def test_the_owner_logs_in_while_an_attacker_hammers_the_number(api_client, request_code, is_staff):
    UserFactory(phone="+6281234567890", is_staff=is_staff)
    attackers_code = "000000"
    for _ in range(3):
        attackers_code = request_code(PHONE, **ATTACKER)
    assert api_client.post("/api/v1/auth/otp/", {"phone": PHONE}, **ATTACKER).status_code == 429
    for _ in range(5):
        _guess(api_client, _wrong(attackers_code), **ATTACKER)
    assert _guess(api_client, _wrong(attackers_code), **ATTACKER).status_code == 429

    owners_code = request_code(PHONE, **OWNER)
    response = _guess(api_client, owners_code, **OWNER)

    assert response.status_code == 200
    assert response.json()["user"]["is_staff"] is is_staff


def test_an_address_that_guessed_wrong_too_often_must_wait_even_with_the_right_code(
    api_client, request_code
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = request_code(PHONE)
        for _ in range(4):
            assert _guess(api_client, _wrong(code)).status_code == 400
        assert _guess(api_client, _wrong(code)).status_code == 429  # the code is burnt
        fresh = request_code(PHONE)

        refused = _guess(api_client, fresh, HTTP_ACCEPT_LANGUAGE="en")

        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_attempts"
        assert "Try again in" in refused.json()["error"]["message"]
        assert 0 < int(refused["Retry-After"]) <= 15 * 60

        traveller.shift(15 * 60 + 1)
        again = request_code(PHONE)
        assert _guess(api_client, again).status_code == 200


def test_a_code_the_attacker_asks_for_does_not_spoil_the_owners(api_client, request_code):
    owners_code = request_code(PHONE, **OWNER)
    request_code(PHONE, **ATTACKER)

    assert _guess(api_client, owners_code, **OWNER).status_code == 200


def test_a_new_code_replaces_the_old_one_only_once_it_was_sent(
    api_client, request_code, django_capture_on_commit_callbacks
):
    code = request_code(PHONE, **OWNER)
    with django_capture_on_commit_callbacks(execute=False):  # the SMS never went out
        assert api_client.post("/api/v1/auth/otp/", {"phone": PHONE}, **ATTACKER).status_code == 202
    assert OTPCode.objects.filter(sent_at__isnull=True).count() == 1

    assert _guess(api_client, code, **ATTACKER).status_code == 200


def test_every_address_together_gets_at_most_the_phones_ceiling(api_client, request_code, settings):
    settings.OTP_MAX_CODES_PER_CLIENT = 2
    settings.OTP_MAX_CODES_PER_PHONE = 3
    request_code(PHONE, REMOTE_ADDR="203.0.113.1")
    request_code(PHONE, REMOTE_ADDR="203.0.113.1")
    request_code(PHONE, REMOTE_ADDR="203.0.113.2")

    fourth = api_client.post("/api/v1/auth/otp/", {"phone": PHONE}, REMOTE_ADDR="203.0.113.3")

    assert fourth.status_code == 429
    assert fourth.json()["error"]["code"] == "too_many_codes"


def test_no_client_address_is_stored(request_code):
    request_code(PHONE, **OWNER)

    (otp,) = OTPCode.objects.all()
    assert OWNER["REMOTE_ADDR"] not in otp.client
    assert len(otp.client) == 64


@pytest.mark.django_db(transaction=True)  # the SMS goes out on a real commit, inside the request
def test_a_code_whose_sms_failed_leaves_the_previous_code_working(
    api_client, request_code, take_sms_gateway_down
):
    code = request_code(PHONE, **OWNER)
    take_sms_gateway_down()
    failed = api_client.post("/api/v1/auth/otp/", {"phone": PHONE}, **OWNER)

    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "sms_unavailable"
    assert _guess(api_client, code, **OWNER).status_code == 200


def test_after_a_login_no_other_waiting_code_works(api_client, request_code):
    attackers_code = request_code(PHONE, **ATTACKER)
    owners_code = request_code(PHONE, **OWNER)
    assert _guess(api_client, owners_code, **OWNER).status_code == 200

    assert _guess(api_client, attackers_code, **ATTACKER).status_code == 400
