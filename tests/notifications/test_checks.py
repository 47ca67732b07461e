"""A push configuration that cannot work stops start-up with a message saying what to set."""

import json

import pytest

from jaki.notifications.checks import check_push_backend


def ids(errors) -> set[str]:
    return {error.id for error in errors}


def test_the_log_backend_needs_nothing(settings):
    settings.PUSH_BACKEND = "log"
    settings.FCM_ENDPOINT = ""

    assert check_push_backend(None) == []


def test_an_unknown_backend_fails(settings):
    settings.PUSH_BACKEND = "carrier-pigeon"

    assert ids(check_push_backend(None)) == {"notifications.E001"}


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "notifications.E005"),
        ("not json", "notifications.E005"),
        (json.dumps({"type": "authorized_user"}), "notifications.E006"),
    ],
)
def test_firebase_without_usable_credentials_fails(settings, tmp_path, content, error):
    path = tmp_path / "credentials.json"
    if content is not None:
        path.write_text(content)
    settings.PUSH_BACKEND = "firebase"
    settings.FIREBASE_CREDENTIALS = str(path)

    errors = check_push_backend(None)

    assert ids(errors) == {error}
    assert "FIREBASE_CREDENTIALS" in errors[0].hint


def test_firebase_without_a_credentials_path_fails(settings):
    settings.PUSH_BACKEND = "firebase"
    settings.FIREBASE_CREDENTIALS = ""

    assert ids(check_push_backend(None)) == {"notifications.E004"}


def test_firebase_with_a_service_account_passes(settings, tmp_path, fake_fcm):
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(fake_fcm.service_account_info()))
    settings.PUSH_BACKEND = "firebase"
    settings.FIREBASE_CREDENTIALS = str(path)
    settings.FCM_ENDPOINT = fake_fcm.url

    assert check_push_backend(None) == []


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9099", "ftp://host", "http://host/v1/projects"])
def test_a_malformed_fcm_endpoint_fails(settings, endpoint):
    settings.PUSH_BACKEND = "log"
    settings.FCM_ENDPOINT = endpoint

    assert ids(check_push_backend(None)) == {"notifications.E002"}


@pytest.fixture
def firebase_settings(settings, tmp_path, fake_fcm):
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(fake_fcm.service_account_info()))
    settings.PUSH_BACKEND = "firebase"
    settings.FIREBASE_CREDENTIALS = str(path)
    settings.FCM_ENDPOINT = fake_fcm.url


def test_an_sdk_without_an_internal_the_backend_uses_fails(firebase_settings, monkeypatch):
    from firebase_admin import messaging

    monkeypatch.delattr(messaging._MessagingService, "_handle_fcm_httpx_error")

    errors = check_push_backend(None)

    assert ids(errors) == {"notifications.E007"}
    assert "_handle_fcm_httpx_error" in errors[0].msg


def test_an_sdk_whose_service_lacks_the_topic_url_fails(firebase_settings, monkeypatch):
    """firebase-admin 7.1 builds no `_fcm_topic_url`: setting it would be silently ignored."""
    from firebase_admin import messaging

    built = messaging._MessagingService.__init__

    def init_without_topic_url(self, app):
        built(self, app)
        del self._fcm_topic_url

    monkeypatch.setattr(messaging._MessagingService, "__init__", init_without_topic_url)

    errors = check_push_backend(None)

    assert ids(errors) == {"notifications.E007"}
    assert "_fcm_topic_url" in errors[0].msg
