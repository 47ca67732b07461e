"""Push delivery: the one module that talks to Firebase Cloud Messaging.

Two backends, chosen by the PUSH_BACKEND setting: `firebase` sends through firebase-admin
(credentials from FIREBASE_CREDENTIALS; FCM_ENDPOINT swaps Google's scheme and host for another
base URL, which is how tests and benchmarks reach a local fake) and `log` records what would
have been sent. Each is built once per process, lazily (and again in a forked child).

Messages are the SDK's `messaging.Message`, encoded by the SDK, and error answers become the
SDK's exception classes through its own handler; the POST itself goes through `transport.py`
(aiohttp), because the SDK's requests and httpx transports cap a process at ~1,000 sends/s.
firebase-admin has no emulator switch: the send URL is the class attribute
`_MessagingService.FCM_URL` and the topic URL the service's `_fcm_topic_url`, made when the
service is first built. Both are private, as are the encoder and error handler we call, so the
SDK is pinned to the one version tested (pyproject.toml), and a system check (checks.py) stops
start-up when any internal listed in SDK_*_INTERNALS is missing. Retrying sends is ours
(tasks.py), with backoff, jitter and Retry-After; topic calls keep the SDK's own retrying
adapter.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import json
import logging
import os
import threading
import time
import uuid
import warnings
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import requests
from django.conf import settings

from jaki.notifications.transport import Answer, Transport

logger = logging.getLogger(__name__)


class _TransportErrors:
    """An unreachable FCM fails every send of a broadcast: one warning a minute per process,
    with how many sends failed since the last one, instead of a line per device."""

    EVERY_SECONDS = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -self.EVERY_SECONDS
        self._since = 0

    def report(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._since += 1
            if now - self._last < self.EVERY_SECONDS:
                return
            count, self._since, self._last = self._since, 0, now
        logger.warning(
            "FCM unreachable (%s): %d send(s) failed since the last report; they are retried.",
            type(error).__name__,
            count,
        )


_transport_errors = _TransportErrors()

GOOGLE_FCM = "https://fcm.googleapis.com"

# We address devices by registration token (what FCM reports dead); the Firebase installation
# id is stored beside it for the day tokens go. The SDK warns on every Message(token=…).
warnings.filterwarnings(
    "ignore", message="Message.token is deprecated", category=DeprecationWarning
)

# FCM error codes (DOMAIN.md, FCM section): which mean the token is dead, which are worth a retry.
DEAD_TOKEN_ERRORS = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})
RETRYABLE_ERRORS = frozenset({"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"})


# The private parts of firebase-admin this module relies on: the send URL (class attribute) and
# service factory, and the attributes a built `_MessagingService` must have.
SDK_MODULE_INTERNALS = ("_MessagingService", "_get_messaging_service")
SDK_SERVICE_INTERNALS = (
    "FCM_URL",
    "_fcm_url",
    "_fcm_topic_url",
    "_fcm_headers",
    "_credential",
    "_client",
    "_handle_fcm_httpx_error",
    "encode_message",
)


def sdk_internals_missing() -> list[str]:
    """The SDK internals (SDK_*_INTERNALS) the installed firebase-admin lacks: setting a missing
    one is silently ignored, so an SDK upgrade must fail loudly instead (checks.py)."""
    import firebase_admin
    import google.auth.credentials
    from firebase_admin import credentials, messaging

    missing = [f"messaging.{name}" for name in SDK_MODULE_INTERNALS if not hasattr(messaging, name)]
    service_class = getattr(messaging, "_MessagingService", None)
    if service_class is None:
        return missing

    class NoCredential(credentials.Base):
        def get_credential(self):
            return google.auth.credentials.AnonymousCredentials()

    app = firebase_admin.initialize_app(
        NoCredential(), {"projectId": "jaki-check"}, name=f"jaki-check-{uuid.uuid4().hex}"
    )
    try:
        service = service_class(app)
        missing += [
            f"_MessagingService.{name}"
            for name in SDK_SERVICE_INTERNALS
            if not hasattr(service, name)
        ]
        if hasattr(service, "_client") and not hasattr(service._client, "session"):
            missing.append("_MessagingService._client.session")
    finally:
        firebase_admin.delete_app(app)
    return missing


@dataclass(frozen=True, slots=True)
class Push:
    """One message for one device (token) or one topic, already in the recipient's language."""

    title: str
    body: str
    data: dict[str, str]
    priority: str = "normal"
    ttl_seconds: int = 86400
    collapse_key: str = ""
    channel: str = "general"
    token: str = ""
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str = ""
    dead_token: bool = False
    retryable: bool = False
    retry_after: float | None = None
    message_id: str = ""
    at: float = field(default_factory=time.time)  # when the answer came back (epoch seconds)


@dataclass
class TopicOutcome:
    errors: dict[str, str] = field(default_factory=dict)  # token -> error code


class PushBackend(Protocol):
    def send(self, pushes: list[Push]) -> list[Outcome]: ...

    def submit(self, pushes: list[Push]) -> Future[list[Outcome]]: ...

    def subscribe(self, tokens: list[str], topic: str) -> TopicOutcome: ...

    def unsubscribe(self, tokens: list[str], topic: str) -> TopicOutcome: ...


class LogBackend:
    """No credentials: record what would go out (never the token) and report success."""

    def send(self, pushes: list[Push]) -> list[Outcome]:
        for push in pushes:
            logger.info(
                "push (log backend) to %s: %s",
                f"topic {push.topic}" if push.topic else f"device …{push.token[-6:]}",
                push.title,
            )
        return [Outcome(ok=True, message_id="log") for _ in pushes]

    def submit(self, pushes: list[Push]) -> Future[list[Outcome]]:
        future: Future[list[Outcome]] = Future()
        future.set_result(self.send(pushes))
        return future

    def subscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        logger.info("push (log backend): %d device(s) subscribed to %s", len(tokens), topic)
        return TopicOutcome()

    def unsubscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        logger.info("push (log backend): %d device(s) unsubscribed from %s", len(tokens), topic)
        return TopicOutcome()


class FirebaseBackend:
    """firebase-admin's messages, errors and credentials, over our own keep-alive pool.

    Each message is a `messaging.Message` encoded by the SDK; a broadcast differs between
    devices only in the token, so the encoded JSON is kept per content and the token spliced
    in. Error answers go through the SDK's own handler, so its exception classes decide what a
    failure means (outcome_of_error). Topic management stays on the SDK's own calls.
    """

    TEMPLATES = 64  # distinct contents kept encoded (a broadcast has one per language)

    def __init__(self, *, credentials_path: str, endpoint: str, concurrency: int, timeout: float):
        import firebase_admin
        import google.auth.transport.requests
        from firebase_admin import credentials, messaging

        self._messaging = messaging
        base = (endpoint or GOOGLE_FCM).rstrip("/")
        # Read by the SDK when this app's messaging service is built, just below.
        messaging._MessagingService.FCM_URL = base + "/v1/projects/{0}/messages:send"
        cred = credentials.Certificate(credentials_path)
        name = f"jaki-push-{uuid.uuid4().hex}"
        self.app = firebase_admin.initialize_app(cred, {"httpTimeout": timeout}, name=name)
        self._service = service = messaging._get_messaging_service(self.app)
        service._fcm_topic_url = f"{base}/v1/projects/{self.app.project_id}/registrations"
        session = service._client.session
        # Topic calls go through the SDK's session: aimed elsewhere, they keep its retrying
        # adapter (sends never use this session; their retrying is ours).
        session.mount(base, session.get_adapter(GOOGLE_FCM))
        session.trust_env = False  # no proxy lookup from os.environ on every call
        self._credential = service._credential  # google-auth, as the SDK built it
        auth_session = requests.Session()
        auth_session.trust_env = False
        self._auth_request = google.auth.transport.requests.Request(auth_session)
        self._auth_lock = threading.Lock()
        self._templates: dict[tuple, tuple[bytes, bytes]] = {}
        self._transport = Transport(
            url=service._fcm_url, concurrency=concurrency, timeout=timeout, read=self._outcome
        )

    def send(self, pushes: list[Push]) -> list[Outcome]:
        return self.submit(pushes).result()

    def submit(self, pushes: list[Push]) -> Future[list[Outcome]]:
        """Put the pushes on the wire; the future holds their outcomes, in order."""
        headers = {
            **self._service._fcm_headers,
            "Authorization": f"Bearer {self._access_token()}",
            "Content-Type": "application/json; charset=UTF-8",
        }
        return self._transport.submit([self._body(push) for push in pushes], headers)

    def close(self) -> None:
        import firebase_admin

        self._transport.close()
        firebase_admin.delete_app(self.app)

    def _access_token(self) -> str:
        """The OAuth token the SDK's credential holds, refreshed (google-auth) when it is close
        to expiry or FCM refused it."""
        with self._auth_lock:
            if not self._credential.valid:
                self._credential.refresh(self._auth_request)
            return self._credential.token

    def _body(self, push: Push) -> bytes:
        if push.topic or not push.token:
            return _json({"message": self._service.encode_message(self._message(push))})
        key = (
            push.title,
            push.body,
            tuple(push.data.items()),
            push.priority,
            push.ttl_seconds,
            push.collapse_key,
            push.channel,
        )
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= self.TEMPLATES:
                self._templates.clear()
            template = self._templates[key] = self._template(push)
        before, after = template
        return before + _json(push.token) + after

    def _template(self, push: Push) -> tuple[bytes, bytes]:
        """The SDK's encoding of the message around a placeholder token, split at it."""
        placeholder = f"jaki-token-{uuid.uuid4().hex}"
        message = self._message(dataclasses.replace(push, token=placeholder))
        encoded = _json({"message": self._service.encode_message(message)})
        before, after = encoded.split(_json(placeholder))
        return before, after

    def _outcome(self, answer: Answer) -> Outcome:
        """What one answer from FCM means (runs on the transport's loop, as it arrives). Each
        answer is judged on its own: one that cannot be read fails that send only, never its
        window."""
        try:
            return self._judge(answer)
        except Exception as error:
            status = answer[0] if isinstance(answer, tuple) else None
            logger.warning("Unreadable FCM answer (%s): %s", status, type(error).__name__)
            return Outcome(ok=False, error="BAD_ANSWER", retryable=status in (500, 503))

    def _judge(self, answer: Answer) -> Outcome:
        if isinstance(answer, TimeoutError):  # FCM may have it: never resent (no duplicates)
            return Outcome(ok=False, error="DEADLINE_EXCEEDED")
        if isinstance(answer, BaseException):  # no answer at all: worth another try
            _transport_errors.report(answer)
            return Outcome(ok=False, error="UNAVAILABLE", retryable=True)
        status, headers, content = answer
        if status == 200:
            try:
                return Outcome(ok=True, message_id=json.loads(content)["name"])
            except (ValueError, KeyError, TypeError):
                return Outcome(ok=True)
        if status == 401:
            self._credential.token = None  # refresh before the next batch
        return outcome_of_error(self._sdk_error(status, headers, content))

    def _sdk_error(self, status: int, headers, content: bytes):
        """The SDK's own exception for an error answer (its httpx handler, fed an httpx
        response)."""
        import httpx

        request = httpx.Request("POST", self._service._fcm_url)
        response = httpx.Response(
            status, headers=list(headers.items()), content=content, request=request
        )
        error = httpx.HTTPStatusError(f"FCM answered {status}", request=request, response=response)
        return self._service._handle_fcm_httpx_error(error)

    def _message(self, push: Push):
        m = self._messaging
        high = push.priority == "high"
        ttl = timedelta(seconds=push.ttl_seconds)
        aps_extra = {"interruption-level": "time-sensitive"} if high else None
        apns_headers = {"apns-priority": "10" if high else "5"}
        if push.collapse_key:
            apns_headers["apns-collapse-id"] = push.collapse_key[:64]
        return m.Message(
            token=push.token or None,
            topic=push.topic or None,
            notification=m.Notification(title=push.title, body=push.body),
            data=push.data,
            android=m.AndroidConfig(
                priority="high" if high else "normal",
                ttl=ttl,
                collapse_key=push.collapse_key or None,
                notification=m.AndroidNotification(channel_id=push.channel),
            ),
            apns=m.APNSConfig(
                headers=apns_headers,
                payload=m.APNSPayload(aps=m.Aps(sound="default", custom_data=aps_extra)),
            ),
        )

    def subscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        return self._topic_call(self._messaging.subscribe_to_topic, tokens, topic)

    def unsubscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        return self._topic_call(self._messaging.unsubscribe_from_topic, tokens, topic)

    def _topic_call(self, call, tokens: list[str], topic: str) -> TopicOutcome:
        """The SDK's topic call, its per-token errors by token; a call that fails as a whole
        fails every token of it (and is retried as theirs)."""
        from firebase_admin import exceptions

        try:
            response = call(tokens, topic, self.app)
        except exceptions.FirebaseError as error:
            logger.warning("FCM topic call failed: %s", type(error).__name__)
            return TopicOutcome(errors=dict.fromkeys(tokens, fcm_error_code(error)))
        return TopicOutcome(errors={tokens[e.index]: e.reason for e in response.errors})


def _json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def outcome_of_error(error) -> Outcome:
    """Sort an FCM error into dead token / retry later / give up."""
    code = fcm_error_code(error)
    retry_after = None
    response = getattr(error, "http_response", None)
    if response is not None:
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            retry_after = None
    dead = code in DEAD_TOKEN_ERRORS or (code == "INVALID_ARGUMENT" and _names_the_token(error))
    return Outcome(
        ok=False,
        error=code,
        dead_token=dead,
        retryable=code in RETRYABLE_ERRORS,
        retry_after=retry_after,
    )


def fcm_error_code(error) -> str:
    from firebase_admin import exceptions, messaging

    by_class = {
        messaging.UnregisteredError: "UNREGISTERED",
        messaging.SenderIdMismatchError: "SENDER_ID_MISMATCH",
        messaging.QuotaExceededError: "QUOTA_EXCEEDED",
        messaging.ThirdPartyAuthError: "THIRD_PARTY_AUTH_ERROR",
        exceptions.UnavailableError: "UNAVAILABLE",
        exceptions.InternalError: "INTERNAL",
        exceptions.InvalidArgumentError: "INVALID_ARGUMENT",
    }
    for cls, code in by_class.items():
        if isinstance(error, cls):
            return code
    return str(getattr(error, "code", "UNKNOWN")).upper()


def _names_the_token(error) -> bool:
    """INVALID_ARGUMENT is a dead token only when FCM says the token is what is wrong."""
    response = getattr(error, "http_response", None)
    text = response.text if response is not None else str(error)
    return "message.token" in text or "registration token" in text.lower()


_lock = threading.Lock()


@functools.cache
def get_push_backend() -> PushBackend:
    with _lock:
        if settings.PUSH_BACKEND == "firebase":
            return FirebaseBackend(
                credentials_path=settings.FIREBASE_CREDENTIALS,
                endpoint=settings.FCM_ENDPOINT,
                concurrency=settings.PUSH_SEND_CONCURRENCY,
                timeout=settings.PUSH_HTTP_TIMEOUT_SECONDS,
            )
        return LogBackend()


# A forked Celery child must not reuse its parent's transport thread or connections.
os.register_at_fork(after_in_child=get_push_backend.cache_clear)


def reset_push_backend() -> None:
    """Close and forget the built backend, so the next send reads the settings again (tests,
    and at exit, so the transport's connections are closed cleanly)."""
    try:
        if get_push_backend.cache_info().currsize:
            backend = get_push_backend()
            if isinstance(backend, FirebaseBackend):
                backend.close()
    finally:
        get_push_backend.cache_clear()


atexit.register(reset_push_backend)
