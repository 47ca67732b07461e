"""Push delivery: the one module that talks to Firebase Cloud Messaging.

Two backends, chosen by the PUSH_BACKEND setting: `firebase` sends through firebase-admin's real
API (credentials from FIREBASE_CREDENTIALS; FCM_ENDPOINT swaps Google's scheme and host for
another base URL, which is how tests and benchmarks reach a local fake) and `log` records what
would have been sent. Each is built once per process, lazily.

firebase-admin has no emulator switch: the send URL is the class attribute
`_MessagingService.FCM_URL` and the topic URL the service's `_fcm_topic_url`, made when the
service is first built. Both are private, so the SDK is pinned (< 7.8) and a test covers the
override. The SDK's own connection pool is 10 (issue #712) except for fcm.googleapis.com; we
mount one sized to PUSH_SEND_CONCURRENCY on whichever base URL is in use, with retries off:
retrying is ours (tasks.py), with backoff, jitter and Retry-After.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

GOOGLE_FCM = "https://fcm.googleapis.com"

# We address devices by registration token (what FCM reports dead); the Firebase installation
# id is stored beside it for the day tokens go. The SDK warns on every Message(token=…).
warnings.filterwarnings(
    "ignore", message="Message.token is deprecated", category=DeprecationWarning
)

# FCM error codes (DOMAIN.md, FCM section): which mean the token is dead, which are worth a retry.
DEAD_TOKEN_ERRORS = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})
RETRYABLE_ERRORS = frozenset({"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"})


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

    def subscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        logger.info("push (log backend): %d device(s) subscribed to %s", len(tokens), topic)
        return TopicOutcome()

    def unsubscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        logger.info("push (log backend): %d device(s) unsubscribed from %s", len(tokens), topic)
        return TopicOutcome()


class FirebaseBackend:
    """firebase-admin over a connection pool as large as the number of concurrent sends."""

    def __init__(self, *, credentials_path: str, endpoint: str, concurrency: int, timeout: float):
        import firebase_admin
        from firebase_admin import credentials, messaging

        self._messaging = messaging
        base = (endpoint or GOOGLE_FCM).rstrip("/")
        # Read by the SDK when this app's messaging service is built, just below.
        messaging._MessagingService.FCM_URL = base + "/v1/projects/{0}/messages:send"
        cred = credentials.Certificate(credentials_path)
        name = f"jaki-push-{uuid.uuid4().hex}"
        self.app = firebase_admin.initialize_app(cred, {"httpTimeout": timeout}, name=name)
        service = messaging._get_messaging_service(self.app)
        service._fcm_topic_url = f"{base}/v1/projects/{self.app.project_id}/registrations"
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1, pool_maxsize=concurrency, max_retries=0
        )
        session = service._client.session
        session.mount(base, adapter)
        # requests re-reads proxy variables from os.environ on every call (~20% of a send's
        # CPU); push goes straight to FCM, so skip it.
        session.trust_env = False
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fcm")

    def send(self, pushes: list[Push]) -> list[Outcome]:
        return list(self._pool.map(self._send_one, pushes))

    def close(self) -> None:
        import firebase_admin

        self._pool.shutdown(wait=False, cancel_futures=True)
        firebase_admin.delete_app(self.app)

    def _send_one(self, push: Push) -> Outcome:
        from firebase_admin import exceptions

        try:
            message_id = self._messaging.send(self._message(push), app=self.app)
        except exceptions.FirebaseError as error:
            return outcome_of_error(error)
        except requests.RequestException as error:  # the SDK lets some transport errors out
            logger.warning("FCM transport error: %s", type(error).__name__)
            return Outcome(ok=False, error="UNAVAILABLE", retryable=True)
        return Outcome(ok=True, message_id=message_id)

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
        return self._topic_result(
            tokens, self._messaging.subscribe_to_topic(tokens, topic, self.app)
        )

    def unsubscribe(self, tokens: list[str], topic: str) -> TopicOutcome:
        return self._topic_result(
            tokens, self._messaging.unsubscribe_from_topic(tokens, topic, self.app)
        )

    @staticmethod
    def _topic_result(tokens: list[str], response) -> TopicOutcome:
        return TopicOutcome(errors={tokens[e.index]: e.reason for e in response.errors})


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


def reset_push_backend() -> None:
    """Forget the built backend, so the next send reads the settings again (tests)."""
    try:
        if get_push_backend.cache_info().currsize:
            backend = get_push_backend()
            if isinstance(backend, FirebaseBackend):
                backend.close()
    finally:
        get_push_backend.cache_clear()
