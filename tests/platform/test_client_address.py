"""The client address that throttles count: X-Forwarded-For only as far as NUM_PROXIES allows."""

import pytest

pytestmark = pytest.mark.django_db

OTP = "/api/v1/auth/otp/"


def _ask(api_client, **headers):
    # A malformed phone: the throttle runs before validation, so nothing is sent.
    return api_client.post(OTP, {"phone": "x"}, **headers)


def test_a_forged_forwarded_for_does_not_escape_the_throttle(api_client, throttle_rates):
    throttle_rates(otp_ip="1/hour")
    assert _ask(api_client).status_code == 400

    spoofed = _ask(api_client, HTTP_X_FORWARDED_FOR="anything-at-all")

    assert spoofed.status_code == 429
    assert spoofed.json()["error"]["code"] == "throttled"


def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(
    api_client, throttle_rates, settings
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    throttle_rates(otp_ip="1/hour")
    assert _ask(api_client, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7").status_code == 400

    forged_left_part = _ask(api_client, HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.7")
    another_client = _ask(api_client, HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert forged_left_part.status_code == 429
    assert another_client.status_code == 400
