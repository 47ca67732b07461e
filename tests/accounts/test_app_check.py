"""Firebase App Check on code requests: firebase-admin verifies the X-Firebase-AppCheck token
against the keys a local fake of Google's key server publishes."""

import json

import pytest

from jaki.accounts.checks import check_app_check
from jaki.accounts.models import OTPCode
from tests.fakes.app_check import FakeAppCheck

pytestmark = pytest.mark.django_db

OTP = "/api/v1/auth/otp/"


@pytest.fixture
def app_check(settings, tmp_path):
    with FakeAppCheck() as fake:
        credentials = tmp_path / "service-account.json"
        credentials.write_text(json.dumps(fake.service_account_info()))
        settings.FIREBASE_CREDENTIALS = str(credentials)
        settings.APP_CHECK_JWKS_URL = fake.url
        settings.APP_CHECK_REQUIRED = True
        yield fake


def _ask(api_client, token: str | None = None):
    headers = {} if token is None else {"HTTP_X_FIREBASE_APPCHECK": token}
    return api_client.post(OTP, {"phone": "081234567890"}, HTTP_ACCEPT_LANGUAGE="en", **headers)


def test_a_genuine_app_gets_a_code(api_client, app_check):
    response = _ask(api_client, app_check.token())

    assert response.status_code == 202
    assert app_check.fetches >= 1
    assert OTPCode.objects.count() == 1


def test_it_refuses_a_request_without_a_token_when_app_check_is_required(api_client, app_check):
    response = _ask(api_client)

    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "app_check_required",
        "message": "Codes can be requested only from the JAKI app. Update the app and retry.",
    }
    assert not OTPCode.objects.exists()


@pytest.mark.parametrize(
    "make_token",
    [
        lambda fake: fake.forged_token(),
        lambda fake: fake.token(expires_in=-60),
        lambda fake: fake.token(project_id="someone-elses-project"),
        lambda fake: "not-a-jwt",
    ],
    ids=["forged", "expired", "other-project", "garbage"],
)
def test_it_refuses_a_token_that_does_not_verify(api_client, app_check, settings, make_token):
    settings.APP_CHECK_REQUIRED = False  # a token that is sent is checked all the same

    response = _ask(api_client, make_token(app_check))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "app_check_failed"
    assert not OTPCode.objects.exists()


def test_without_a_token_a_code_is_sent_when_app_check_is_not_required(
    api_client, app_check, settings
):
    settings.APP_CHECK_REQUIRED = False

    assert _ask(api_client).status_code == 202


def test_requiring_app_check_without_firebase_credentials_stops_start_up(settings):
    settings.APP_CHECK_REQUIRED = True
    settings.FIREBASE_CREDENTIALS = ""

    assert [error.id for error in check_app_check(None)] == ["accounts.E004"]
