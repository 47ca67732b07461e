"""The HTTP SMS gateway backend, against a local fake gateway."""

import logging
import re

import pytest

from jaki.accounts.sms import get_sms_backend
from tests.fakes.sms import FakeSMSGateway

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"


@pytest.fixture
def gateway(settings):
    with FakeSMSGateway() as fake:
        settings.SMS_BACKEND = "jaki.accounts.sms.HTTPGatewaySMSBackend"
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_TOKEN = "gateway-secret"
        get_sms_backend.cache_clear()  # the backend is built once per process, from settings
        yield fake
    get_sms_backend.cache_clear()


def _ask_for_a_code(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/auth/otp/", {"phone": "0812 3456 7890"})
    assert response.status_code == 202


def test_a_login_code_goes_to_the_gateway_as_json_with_the_token(
    api_client, gateway, django_capture_on_commit_callbacks
):
    _ask_for_a_code(api_client, django_capture_on_commit_callbacks)

    (sms,) = gateway.received
    assert sms.path == "/messages"
    assert sms.headers["Authorization"] == "Bearer gateway-secret"
    assert sms.json["to"] == PHONE
    assert re.search(r"\b\d{6}\b", sms.json["message"])


def test_a_refusing_gateway_is_logged_without_phone_or_code(
    api_client, gateway, caplog, django_capture_on_commit_callbacks
):
    gateway.status = 503

    with caplog.at_level(logging.INFO):
        _ask_for_a_code(api_client, django_capture_on_commit_callbacks)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "HTTP 503" in logged
    assert "81234567890" not in logged
    code = re.search(r"\d{6}", gateway.received[0].json["message"]).group()
    assert code not in logged


def test_an_unreachable_gateway_is_logged_and_the_request_still_answers(
    api_client, settings, caplog, django_capture_on_commit_callbacks
):
    with FakeSMSGateway() as fake:
        url = fake.url  # a port nobody listens on once the fake stops
    settings.SMS_BACKEND = "jaki.accounts.sms.HTTPGatewaySMSBackend"
    settings.SMS_GATEWAY_URL = url
    settings.SMS_GATEWAY_TOKEN = "gateway-secret"
    get_sms_backend.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            _ask_for_a_code(api_client, django_capture_on_commit_callbacks)
    finally:
        get_sms_backend.cache_clear()

    assert "SMS gateway unreachable: ConnectionError" in caplog.text
    assert "81234567890" not in caplog.text
