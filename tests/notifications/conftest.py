import io

import pytest

from jaki.notifications import fcm
from jaki.regions import demo
from tests.accounts.conftest import login, request_code  # noqa: F401  (OTP login over HTTP)


@pytest.fixture(autouse=True)
def _fresh_push_backend():
    """The backend is built once per process from settings; tests change those settings."""
    fcm.reset_push_backend()
    yield
    fcm.reset_push_backend()


@pytest.fixture
def demo_regions(db) -> None:
    demo.seed(stdout=io.StringIO())


@pytest.fixture
def fake_fcm():
    """A fake FCM server on loopback (tests/fakes/fcm.py)."""
    from tests.fakes.fcm import FakeFCM

    with FakeFCM() as fake:
        yield fake


@pytest.fixture
def firebase(fake_fcm, settings, tmp_path):
    """The real firebase backend, with real service-account credentials, aimed at the fake."""
    import json

    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(fake_fcm.service_account_info("jaki-test")))
    settings.PUSH_BACKEND = "firebase"
    settings.FIREBASE_CREDENTIALS = str(credentials)
    settings.FCM_ENDPOINT = fake_fcm.url
    settings.PUSH_HTTP_TIMEOUT_SECONDS = 5
    fcm.reset_push_backend()
    yield fake_fcm
    fcm.reset_push_backend()
