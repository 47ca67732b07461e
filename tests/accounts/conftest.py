import re

import pytest

CODE_IN_SMS = re.compile(r"SMS to (\+\d+): .*?(\d{6})")


@pytest.fixture
def request_code(api_client, caplog, django_capture_on_commit_callbacks):
    """Ask for a login code over HTTP and read it from the console SMS backend's log line."""

    def request(phone: str, **headers) -> str:
        caplog.clear()
        with (
            caplog.at_level("INFO", logger="jaki.sms"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = api_client.post("/api/v1/auth/otp/", {"phone": phone}, **headers)
        assert response.status_code == 202, response.json()
        (match,) = [
            CODE_IN_SMS.search(r.getMessage()) for r in caplog.records if r.name == "jaki.sms"
        ]
        return match.group(2)

    return request


@pytest.fixture
def login(api_client, request_code):
    """The whole OTP login: returns the token response body."""

    def login_as(phone: str) -> dict:
        code = request_code(phone)
        response = api_client.post("/api/v1/auth/token/", {"phone": phone, "code": code})
        assert response.status_code == 200, response.json()
        return response.json()

    return login_as


class UnreachableSMSGateway:
    """Stands in for an SMS gateway that is down: every send fails as a network error would."""

    def send(self, *, phone: str, message: str) -> None:
        raise ConnectionError("SMS gateway unreachable")


@pytest.fixture
def take_sms_gateway_down(settings):
    """Call it to make every later SMS fail, as a gateway that is down would."""
    from jaki.accounts.sms import get_sms_backend

    def down() -> None:
        settings.SMS_BACKEND = f"{__name__}.UnreachableSMSGateway"
        get_sms_backend.cache_clear()  # the backend is built once per process

    yield down
    get_sms_backend.cache_clear()
