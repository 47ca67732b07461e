"""The fake FCM server, driven by firebase-admin's real messaging code and google-auth's real
OAuth flow, so the fake is proven to look like Google to the SDK the app uses."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import firebase_admin
import pytest
import requests
from firebase_admin import credentials, exceptions, messaging

from tests.fakes.fcm import FakeFCM, FakeFCMClient

# The app targets FCM registration tokens; firebase-admin 7.x nudges toward installation IDs.
pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")

PROJECT = "jaki-test"
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def fcm_app(fake: FakeFCM, *, http_timeout: float = 10.0) -> Iterator[firebase_admin.App]:
    """A firebase_admin.App whose messaging service and token flow talk to ``fake``.

    FCM_URL is a class attribute read when the service is built, so it is patched only around
    that moment. The SDK mounts its retrying pool only on https://fcm.googleapis.com; the
    adapter mounted here keeps a big pool and no retries, so each script is seen exactly once.
    """
    cred = credentials.Certificate(fake.service_account_info(PROJECT))
    app = firebase_admin.initialize_app(
        cred, {"httpTimeout": http_timeout}, name=f"fake-fcm-{uuid.uuid4().hex}"
    )
    original = messaging._MessagingService.FCM_URL
    messaging._MessagingService.FCM_URL = fake.url + "/v1/projects/{0}/messages:send"
    try:
        service = messaging._get_messaging_service(app)
    finally:
        messaging._MessagingService.FCM_URL = original
    service._fcm_topic_url = f"{fake.url}/v1/projects/{PROJECT}/registrations"
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=500, max_retries=0)
    service._client.session.mount(fake.url, adapter)
    try:
        yield app
    finally:
        firebase_admin.delete_app(app)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeFCM]:
    with FakeFCM() as server:
        yield server


@pytest.fixture(scope="module")
def app(fake: FakeFCM) -> Iterator[firebase_admin.App]:
    with fcm_app(fake) as firebase_app:
        yield firebase_app


@pytest.fixture(autouse=True)
def _clean_fake(request: pytest.FixtureRequest) -> None:
    if "fake" in request.fixturenames:
        request.getfixturevalue("fake").reset()


def _message(token: str = "device-token-1", **data: str) -> messaging.Message:
    return messaging.Message(
        token=token,
        data=data or {"kind": "flood"},
        notification=messaging.Notification(title="Banjir", body="Waspada genangan"),
    )


def test_send_returns_the_fcm_name_and_the_fake_records_the_payload(fake, app):
    name = messaging.send(_message("tok-1", report="42"), app=app)

    assert name.startswith(f"projects/{PROJECT}/messages/")
    [sent] = fake.sent
    assert sent.name == name
    assert sent.token == "tok-1"
    assert sent.status == 200
    assert sent.validate_only is False
    assert sent.message == {
        "token": "tok-1",
        "data": {"report": "42"},
        "notification": {"title": "Banjir", "body": "Waspada genangan"},
    }
    [request] = [r for r in fake.requests if r.path.endswith("messages:send")]
    assert request.method == "POST"
    assert request.path == f"/v1/projects/{PROJECT}/messages:send"
    assert request.headers["authorization"] == "Bearer fake-token"
    assert request.body == {"message": sent.message}


def test_dry_run_is_recorded_as_validate_only(fake, app):
    messaging.send(_message(), dry_run=True, app=app)

    assert fake.sent[0].validate_only is True


def test_google_auth_fetches_its_token_from_the_fake():
    with FakeFCM() as fake, fcm_app(fake) as app:
        messaging.send(_message(), app=app)

        token_request, send_request = fake.requests
    assert token_request.path == "/token"
    assert token_request.body["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert token_request.body["assertion"].count(".") == 2  # a signed JWT
    assert send_request.headers["authorization"] == "Bearer fake-token"


@pytest.mark.parametrize(
    ("error", "exception_class", "status"),
    [
        ("UNREGISTERED", messaging.UnregisteredError, 404),
        ("SENDER_ID_MISMATCH", messaging.SenderIdMismatchError, 403),
        ("INVALID_ARGUMENT", exceptions.InvalidArgumentError, 400),
        ("QUOTA_EXCEEDED", messaging.QuotaExceededError, 429),
        ("UNAVAILABLE", exceptions.UnavailableError, 503),
        ("INTERNAL", exceptions.InternalError, 500),
        ("THIRD_PARTY_AUTH_ERROR", messaging.ThirdPartyAuthError, 401),
    ],
)
def test_each_scripted_error_surfaces_as_its_firebase_admin_exception(
    fake, app, error, exception_class, status
):
    # On a 401, google-auth refreshes its token and retries twice before giving up.
    attempts = 3 if status == 401 else 1
    fake.fail_next(error, count=attempts)

    with pytest.raises(exceptions.FirebaseError) as excinfo:
        messaging.send(_message(), app=app)

    assert type(excinfo.value) is exception_class
    assert excinfo.value.http_response.status_code == status
    assert [s.error for s in fake.sent] == [error] * attempts
    assert messaging.send(_message(), app=app)  # the script is used up


def test_invalid_argument_names_the_token_field(fake, app):
    fake.fail_next("INVALID_ARGUMENT")

    with pytest.raises(exceptions.InvalidArgumentError) as excinfo:
        messaging.send(_message(), app=app)

    [_, bad_request] = excinfo.value.http_response.json()["error"]["details"]
    assert bad_request["fieldViolations"][0]["field"] == "message.token"


@pytest.mark.parametrize("error", ["QUOTA_EXCEEDED", "UNAVAILABLE"])
def test_retry_after_is_on_the_error_http_response(fake, app, error):
    fake.fail_next(error, retry_after=30)

    with pytest.raises(exceptions.FirebaseError) as excinfo:
        messaging.send(_message(), app=app)

    assert excinfo.value.http_response.headers["Retry-After"] == "30"


def test_a_failed_token_fails_every_send_while_others_succeed(fake, app):
    fake.fail_token("dead-token", "UNREGISTERED")
    messages = [_message("dead-token"), _message("live-token"), _message("dead-token")]

    batch = messaging.send_each(messages, app=app)

    assert [r.success for r in batch.responses] == [False, True, False]
    assert isinstance(batch.responses[0].exception, messaging.UnregisteredError)
    assert isinstance(batch.responses[2].exception, messaging.UnregisteredError)
    assert fake.stats() | {"first_at": None, "last_at": None} == {
        "sends": 3,
        "ok": 1,
        "failed": 2,
        "first_at": None,
        "last_at": None,
    }


def test_fid_targets_are_scripted_like_tokens(fake, app):
    fake.fail_token("installation-1", "UNREGISTERED")

    with pytest.raises(messaging.UnregisteredError):
        messaging.send(messaging.Message(fid="installation-1"), app=app)

    assert fake.sent[0].token == "installation-1"


def test_send_each_of_500_messages_is_all_recorded(fake, app):
    messages = [_message(f"token-{i}") for i in range(500)]

    batch = messaging.send_each(messages, app=app)

    assert batch.success_count == 500
    assert len({r.message_id for r in batch.responses}) == 500
    assert sorted(s.token for s in fake.sent) == sorted(f"token-{i}" for i in range(500))
    stats = fake.stats()
    assert (stats["sends"], stats["ok"], stats["failed"]) == (500, 500, 0)
    assert stats["first_at"] <= stats["last_at"]


def test_subscribe_and_unsubscribe_change_the_subscriptions(fake, app):
    odd_token = "dXk:APA91b/with+odd=chars"  # the SDK percent-quotes tokens in the path

    subscribed = messaging.subscribe_to_topic(["tok-a", odd_token], "banjir-jaksel", app=app)
    assert subscribed.success_count == 2
    assert fake.subscriptions == {"banjir-jaksel": {"tok-a", odd_token}}

    unsubscribed = messaging.unsubscribe_from_topic([odd_token], "banjir-jaksel", app=app)
    assert unsubscribed.success_count == 1
    assert fake.subscriptions == {"banjir-jaksel": {"tok-a"}}

    messaging.unsubscribe_from_topic("tok-a", "/topics/banjir-jaksel", app=app)
    assert fake.subscriptions == {}


def test_failed_topic_calls_come_back_per_token_and_change_nothing(fake, app):
    fake.fail_topic_token("tok-refused", "QUOTA_EXCEEDED")
    fake.fail_topic_next("UNREGISTERED")

    first = messaging.subscribe_to_topic(["tok-gone"], "banjir", app=app)
    second = messaging.subscribe_to_topic(["tok-ok", "tok-refused"], "banjir", app=app)

    assert [e.reason for e in first.errors] == ["UNREGISTERED"]
    assert [(e.index, e.reason) for e in second.errors] == [(1, "QUOTA_EXCEEDED")]
    assert fake.subscriptions == {"banjir": {"tok-ok"}}
    assert messaging.unsubscribe_from_topic("tok-refused", "banjir", app=app).failure_count == 1


def test_a_garbled_token_gets_the_raw_answer_scripted(fake, app):
    fake.garble_token("tok-odd", 400, b'{"error": "not an object"}')

    response = requests.post(
        f"{fake.url}/v1/projects/{PROJECT}/messages:send",
        json={"message": {"token": "tok-odd"}},
        timeout=5,
    )

    assert (response.status_code, response.content) == (400, b'{"error": "not an object"}')
    assert messaging.send(_message("tok-fine"), app=app)
    assert fake.stats()["failed"] == 1


def test_a_hang_with_seconds_delays_the_answer(fake, app):
    messaging.send(_message(), app=app)  # fetch the OAuth token before timing
    fake.hang_next(seconds=0.3)

    started = time.monotonic()
    messaging.send(_message(), app=app)

    assert time.monotonic() - started >= 0.3


def test_release_answers_a_request_hanging_on_its_token(fake, app):
    fake.hang_token("slow-token")
    result: dict[str, str] = {}
    sender = threading.Thread(
        target=lambda: result.update(name=messaging.send(_message("slow-token"), app=app))
    )
    sender.start()
    _wait_for(lambda: len(fake.sent) == 1)
    assert fake.sent[0].status is None  # still hanging

    fake.release()
    sender.join(timeout=5)

    assert result["name"] == fake.sent[0].name


def test_a_hanging_request_times_out_on_the_client_and_stop_is_prompt():
    fake = FakeFCM().start()
    with fcm_app(fake, http_timeout=0.5) as app:
        fake.hang_next(seconds=None)  # never answers on its own

        with pytest.raises(exceptions.DeadlineExceededError):
            messaging.send(_message(), app=app)

        # A patient client (30 s timeout) is still connected and waiting when stop() comes.
        fake.hang_next(seconds=None)
        url = f"{fake.url}/v1/projects/{PROJECT}/messages:send"
        answers: list[int] = []
        patient = threading.Thread(
            target=lambda: answers.append(
                requests.post(url, json={"message": {"token": "t"}}, timeout=30).status_code
            )
        )
        patient.start()
        _wait_for(lambda: len(fake.sent) == 2)

        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 2
        assert f"FakeFCM:{fake.port}" not in {t.name for t in threading.enumerate()}
        patient.join(timeout=2)
        assert answers == [200]  # stop() released it rather than leaving it hanging


def test_the_http_control_api_drives_the_fake_from_a_plain_client(fake, app):
    control = f"{fake.url}/_fake"
    assert requests.post(f"{control}/fail_next", json={"error": "UNAVAILABLE", "count": 2}).ok
    assert requests.post(f"{control}/fail_token", json={"token": "gone"}).ok
    for _ in range(2):
        with pytest.raises(exceptions.UnavailableError):
            messaging.send(_message(), app=app)
    with pytest.raises(messaging.UnregisteredError):
        messaging.send(_message("gone"), app=app)
    messaging.send(_message("fine"), app=app)

    stats = requests.get(f"{control}/stats").json()
    assert (stats["sends"], stats["ok"], stats["failed"]) == (4, 1, 3)
    page = requests.get(f"{control}/sent", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 4
    assert [(s["token"], s["status"], s["error"]) for s in page["sent"]] == [
        ("gone", 404, "UNREGISTERED"),
        ("fine", 200, None),
    ]
    assert page["sent"][1]["message"]["token"] == "fine"

    assert requests.post(f"{control}/hang_next", json={"seconds": 0.2}).ok
    started = time.monotonic()
    messaging.send(_message(), app=app)
    assert time.monotonic() - started >= 0.2

    assert requests.post(f"{control}/reset").ok
    assert requests.get(f"{control}/stats").json() == {
        "sends": 0,
        "ok": 0,
        "failed": 0,
        "first_at": None,
        "last_at": None,
    }
    bad = requests.post(f"{control}/fail_next", json={"error": "NOPE"})
    assert bad.status_code == 400
    assert "NOPE" in bad.json()["error"]
    assert requests.post(f"{control}/explode").status_code == 404


def test_the_control_client_mirrors_the_in_process_api(fake, app):
    client = FakeFCMClient(fake.url)
    client.fail_token("dead", "SENDER_ID_MISMATCH")
    messaging.subscribe_to_topic("dead", "news", app=app)

    with pytest.raises(messaging.SenderIdMismatchError):
        messaging.send(_message("dead"), app=app)

    assert client.subscriptions() == {"news": {"dead"}}
    assert client.stats()["failed"] == 1
    assert client.sent()[0]["error"] == "SENDER_ID_MISMATCH"
    client.reset()
    assert fake.subscriptions == {}
    client.close()


def test_unknown_paths_answer_404_json(fake):
    response = requests.get(f"{fake.url}/v1/projects/{PROJECT}/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


def test_without_record_bodies_only_light_records_and_stats_are_kept():
    with FakeFCM(record_bodies=False) as fake:
        url = f"{fake.url}/v1/projects/{PROJECT}/messages:send"
        requests.post(url, json={"message": {"token": "t", "data": {"a": "b"}}})

        [sent] = fake.sent
        assert (sent.token, sent.status, sent.message) == ("t", 200, None)
        assert fake.requests == []
        assert fake.stats()["ok"] == 1


def test_it_runs_as_its_own_process_and_prints_its_url():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fcm", "--port", "0", "--no-record-bodies"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = FakeFCMClient(url)
        client.fail_next("INTERNAL")
        response = requests.post(
            f"{url}/v1/projects/{PROJECT}/messages:send", json={"message": {"topic": "x"}}
        )
        assert response.status_code == 500
        assert client.stats()["failed"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        process.stdout.close()


def _wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
