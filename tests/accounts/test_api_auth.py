"""OTP login end to end over HTTP, with the console SMS backend."""

import pytest
import time_machine
from django.utils import timezone

from jaki.accounts.models import OTPCode, User

pytestmark = pytest.mark.django_db

PHONE = "0812-3456-7890"
E164 = "+6281234567890"


def test_it_texts_a_six_digit_code_and_logs_in(api_client, request_code):
    code = request_code(PHONE)

    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["phone"] == E164
    assert body["user"]["language"] == "id"
    assert User.objects.filter(phone=E164).count() == 1


@pytest.mark.parametrize("spelling", ["081234567890", "6281234567890", "+62 812-3456-7890"])
def test_every_spelling_of_a_number_is_one_person(api_client, login, spelling):
    first = login(PHONE)["user"]["id"]
    again = login(spelling)["user"]["id"]

    assert first == again
    assert User.objects.count() == 1


def test_the_code_is_stored_only_as_a_hash(request_code):
    code = request_code(PHONE)

    otp = OTPCode.objects.get(phone=E164)
    assert code not in otp.code_hash
    assert len(otp.code_hash) == 64


def test_a_new_resident_gets_the_language_of_the_request(api_client, request_code):
    code = request_code(PHONE)

    response = api_client.post(
        "/api/v1/auth/token/", {"phone": PHONE, "code": code}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json()["user"]["language"] == "en"


def test_the_sms_is_written_in_the_request_language(api_client, caplog, request_code):
    request_code(PHONE, HTTP_ACCEPT_LANGUAGE="en")
    assert "Your JAKI code" in caplog.text

    request_code("081298765432")
    assert "Kode JAKI Anda" in caplog.text


@pytest.mark.parametrize("phone", ["", "12", "not a phone", "+1 202 555 01", "0812"])
def test_it_refuses_a_malformed_phone_number(api_client, phone):
    response = api_client.post("/api/v1/auth/otp/", {"phone": phone}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "phone" in error["fields"]


def test_the_message_follows_accept_language(api_client):
    response = api_client.post(
        "/api/v1/auth/otp/", {"phone": "abc"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["error"]["fields"]["phone"] == ["Enter a valid phone number."]

    response = api_client.post("/api/v1/auth/otp/", {"phone": "abc"}, format="json")
    assert response.json()["error"]["fields"]["phone"] == ["Masukkan nomor telepon yang valid."]


def test_it_refuses_a_wrong_code(api_client, request_code):
    code = request_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": wrong})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"


def test_it_refuses_a_code_that_is_not_six_digits(api_client, request_code):
    request_code(PHONE)

    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": "12ab"})

    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]


def test_it_refuses_a_code_when_none_was_requested(api_client):
    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": "123456"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"


def test_a_code_works_only_once(api_client, request_code):
    code = request_code(PHONE)
    api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code})

    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code})

    assert response.status_code == 400


def test_it_refuses_an_expired_code(api_client, request_code):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = request_code(PHONE)
        traveller.shift(301)

        response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_expired"


def test_five_wrong_tries_burn_the_code(api_client, request_code):
    code = request_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert (
            api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": wrong}).status_code
            == 400
        )

    fifth = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": wrong})
    with_right_code = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code})

    assert fifth.status_code == 429
    assert with_right_code.status_code == 429
    assert with_right_code.json()["error"]["code"] == "too_many_attempts"


def test_a_new_code_replaces_the_previous_one(api_client, request_code):
    first = request_code(PHONE)
    second = request_code(PHONE)

    if first != second:
        old = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": first})
        assert old.status_code == 400
    assert (
        api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": second}).status_code == 200
    )


def test_at_most_three_codes_per_phone_in_fifteen_minutes(api_client, request_code):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            request_code(PHONE)
            traveller.shift(60)

        fourth = api_client.post("/api/v1/auth/otp/", {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="en")
        assert fourth.status_code == 429
        assert fourth.json()["error"]["code"] == "too_many_codes"
        assert int(fourth["Retry-After"]) > 0

        traveller.shift(15 * 60)
        assert request_code(PHONE)


def test_the_limit_of_codes_per_phone_is_a_setting(api_client, request_code, settings):
    settings.OTP_MAX_CODES_PER_PHONE = 1
    request_code(PHONE)

    assert api_client.post("/api/v1/auth/otp/", {"phone": PHONE}).status_code == 429


def test_requests_for_codes_are_throttled_per_address(api_client, throttle_rates, request_code):
    throttle_rates(otp_ip="2/hour")
    request_code("081200000001")
    request_code("081200000002")
    third = api_client.post("/api/v1/auth/otp/", {"phone": "081200000003"})

    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"
    assert "Retry-After" in third


def test_a_disabled_account_cannot_log_in(api_client, request_code):
    User.objects.create_user(phone=E164, is_active=False)
    code = request_code(PHONE)

    response = api_client.post("/api/v1/auth/token/", {"phone": PHONE, "code": code})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_disabled"
