"""Who may be texted a login code: Indonesian mobile numbers only, at most the cap, even in
parallel."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from jaki.accounts.models import OTPCode

OTP = "/api/v1/auth/otp/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    [
        "+1 202 555 0123",  # United States
        "+44 7911 123456",  # a British mobile
        "021 555 1234",  # a Jakarta landline
        "0809 1234 567",  # Indonesian premium rate
        "0800 1234 567",  # Indonesian toll free
    ],
)
def test_it_refuses_to_text_a_code_to_anything_but_an_indonesian_mobile(api_client, phone):
    response = api_client.post(OTP, {"phone": phone}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["phone"] == [
        "Login codes are sent only to Indonesian mobile numbers (08…)."
    ]
    assert not OTPCode.objects.exists()


@pytest.mark.django_db
def test_the_refusal_speaks_indonesian_by_default(api_client):
    response = api_client.post(OTP, {"phone": "021 555 1234"})

    assert response.json()["error"]["fields"]["phone"] != [
        "Login codes are sent only to Indonesian mobile numbers (08…)."
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_one_phone_get_exactly_the_cap(settings):
    settings.OTP_MAX_CODES_PER_PHONE = 3

    def ask(_: int) -> int:
        try:
            return APIClient().post(OTP, {"phone": "081234567890"}).status_code
        finally:
            connection.close()  # each thread has its own connection: give it back

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(ask, range(10)))

    assert statuses == [202] * 3 + [429] * 7
    assert OTPCode.objects.filter(phone="+6281234567890").count() == 3
