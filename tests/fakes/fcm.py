"""A fake Firebase Cloud Messaging (FCM HTTP v1) server on loopback, for tests and benchmarks.

firebase-admin's *real* code talks to it once the SDK's ``https://fcm.googleapis.com`` URLs are
rewritten to ``FakeFCM.url``; a service account whose ``token_uri`` is ``{url}/token`` makes
google-auth's real OAuth flow hit it too. It answers like Google (paths, success bodies and the
v1 error shape firebase-admin maps to its exception classes), records what it got, and fails or
hangs on script, so the app's error handling is exercised without the network.

It is a minimal ASGI app served by uvicorn (httptools parser, uvloop when installed) on one
event loop, because a benchmark pushes 100,000 sends through it: a thread per request would
measure the fake rather than the app. Hanging requests sleep on the loop and never block it.

In-process::

    with FakeFCM() as fake:           # or fake = FakeFCM().start(); ...; fake.stop()
        fake.fail_next("UNAVAILABLE", retry_after=7)
        fake.fail_token("dead-token", "UNREGISTERED")
        fake.garble_token("odd-token", 400, b'{"error": "x"}')  # an answer no client expects
        fake.fail_topic_next("QUOTA_EXCEEDED", count=2)  # topic (un)subscribe calls
        ...
        fake.sent[0].message, fake.stats(), fake.subscriptions

As its own process (for Celery workers in a benchmark), driven with ``FakeFCMClient(url)``::

    python -m tests.fakes.fcm --port 9099 [--no-record-bodies]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from types import FrameType
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, unquote

import requests
import uvicorn

__all__ = [
    "FCM_ERRORS",
    "FakeFCM",
    "FakeFCMClient",
    "RecordedRequest",
    "SentMessage",
    "fcm_error_body",
]

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"

# FCM errorCode -> (HTTP status, google.rpc status, message), as the v1 API answers them.
# firebase-admin maps UNREGISTERED, SENDER_ID_MISMATCH, QUOTA_EXCEEDED and THIRD_PARTY_AUTH_ERROR
# by errorCode (messaging.FCM_ERROR_TYPES) and the rest by the rpc status (_utils).
FCM_ERRORS: dict[str, tuple[int, str, str]] = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "INVALID_ARGUMENT": (
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
    ),
    "QUOTA_EXCEEDED": (
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com'.",
    ),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "THIRD_PARTY_AUTH_ERROR": (
        401,
        "UNAUTHENTICATED",
        "Auth error from APNS or Web Push Service",
    ),
}

TOKEN_RESPONSE = {"access_token": "fake-token", "expires_in": 3600, "token_type": "Bearer"}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
T = TypeVar("T")


def fcm_error_body(error: str) -> dict[str, Any]:
    """Google's v1 error body for an FCM errorCode; INVALID_ARGUMENT blames ``message.token``."""
    status, rpc_status, message = FCM_ERRORS[error]
    details: list[dict[str, Any]] = [{"@type": FCM_ERROR_TYPE, "errorCode": error}]
    if error == "INVALID_ARGUMENT":
        violation = {"field": "message.token", "description": message}
        details.append({"@type": BAD_REQUEST_TYPE, "fieldViolations": [violation]})
    return {"error": {"code": status, "message": message, "status": rpc_status, "details": details}}


def _platform_error(status: int, rpc_status: str, message: str) -> bytes:
    """A Google error body without FCM details, for malformed requests and unknown paths."""
    return _dumps({"error": {"code": status, "message": message, "status": rpc_status}})


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@dataclass(slots=True)
class RecordedRequest:
    """One request to the fake Google endpoints (control calls under /_fake/ are not kept)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, a dict for form posts, text otherwise, None when empty
    received_at: float


@dataclass(slots=True)
class SentMessage:
    """One well-formed ``messages:send``, recorded on arrival and completed when answered."""

    name: str
    project: str
    token: str | None  # message.token, or message.fid; None for topic/condition sends
    message: dict[str, Any] | None  # None when record_bodies is off
    validate_only: bool
    received_at: float
    status: int | None = None  # HTTP status once answered; None while hanging
    error: str | None = None  # FCM errorCode when it was failed on script


@dataclass(slots=True)
class _Failure:
    error: str
    retry_after: int | None


@dataclass(slots=True)
class _Hang:
    seconds: float | None  # None: until release(), reset() or stop()


@dataclass(slots=True)
class _Counted(Generic[T]):
    remaining: int
    value: T


def _take(queue: deque[_Counted[T]]) -> T | None:
    """Consume one use of the oldest script in the queue."""
    if not queue:
        return None
    head = queue[0]
    head.remaining -= 1
    if head.remaining <= 0:
        queue.popleft()
    return head.value


def _validate_error(error: str, retry_after: int | None) -> _Failure:
    if error not in FCM_ERRORS:
        raise ValueError(f"unknown FCM error {error!r}; one of {sorted(FCM_ERRORS)}")
    if retry_after is not None and int(retry_after) < 0:
        raise ValueError("retry_after must be >= 0 seconds")
    return _Failure(error, None if retry_after is None else int(retry_after))


def _validate_count(count: int) -> int:
    if int(count) < 1:
        raise ValueError("count must be >= 1")
    return int(count)


def _validate_seconds(seconds: float | None) -> float | None:
    if seconds is not None and float(seconds) < 0:
        raise ValueError("seconds must be >= 0, or None to hang until released")
    return None if seconds is None else float(seconds)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class _Server(uvicorn.Server):
    """uvicorn's server, telling its owner once it listens and when a signal stops it."""

    def __init__(
        self, config: uvicorn.Config, on_ready: Callable[[], None], on_exit: Callable[[], None]
    ) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self._on_exit = on_exit

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._on_ready()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()  # release hanging requests, or shutdown waits on them
        super().handle_exit(sig, frame)


class FakeFCM:
    """The fake: state, scripts, the ASGI app, and the server's lifecycle.

    Thread-safe: the server's loop thread and the test thread share the state under one lock,
    which is never held across an ``await``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, record_bodies: bool = True):
        self.host = host
        self.port = port
        self.record_bodies = record_bodies
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._requests: list[RecordedRequest] = []
        self._sent: list[SentMessage] = []
        self._subscriptions: dict[str, set[str]] = {}
        self._fail_next: deque[_Counted[_Failure]] = deque()
        self._fail_tokens: dict[str, _Failure] = {}
        self._hang_next: deque[_Counted[_Hang]] = deque()
        self._hang_tokens: dict[str, _Hang] = {}
        self._garbled_tokens: dict[str, tuple[int, bytes]] = {}
        self._fail_topic_next: deque[_Counted[_Failure]] = deque()
        self._fail_topic_tokens: dict[str, _Failure] = {}
        self._sends = self._ok = self._failed = 0
        self._first_at: float | None = None
        self._last_at: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release_event: asyncio.Event | None = None
        self._stopping = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, the base to put in place of ``https://fcm.googleapis.com``."""
        if not self.port:
            raise RuntimeError("FakeFCM has no port yet: start() it first")
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeFCM:
        """Serve from a background thread with its own event loop; return once listening."""
        if self._server is not None or self._thread is not None:
            raise RuntimeError("a FakeFCM starts once; make a new one")
        sock = self._bind()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, ready.set), name=f"FakeFCM:{self.port}", daemon=True
        )
        self._thread.start()
        ready.wait(timeout=10)
        if self._server is None or not self._server.started:
            self.stop()
            raise RuntimeError("FakeFCM did not start")
        return self

    def serve_forever(self, on_ready: Callable[[], None] = lambda: None) -> None:
        """Serve in the calling thread until SIGINT/SIGTERM (used by ``python -m``)."""
        self._run(self._bind(), on_ready)

    def stop(self) -> None:
        """Release every hanging request, shut the server down and join its thread."""
        if self._server is None:
            return
        self._release_for_exit()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                raise RuntimeError("FakeFCM server thread did not stop")
        self._thread = None

    def service_account_info(self, project_id: str = "jaki-test") -> dict[str, str]:
        """A service-account JSON with a fresh RSA key whose ``token_uri`` is this fake, so
        ``credentials.Certificate(info)`` runs google-auth's real token flow against it."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": "fake-fcm-key",
            "private_key": pem.decode(),
            "client_email": f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com",
            "client_id": "100000000000000000000",
            "token_uri": f"{self.url}/token",
        }

    def _release_for_exit(self) -> None:
        """No request hangs from now on: shutdown must not wait for a release that never comes."""
        self._stopping = True
        self.release()

    def __enter__(self) -> FakeFCM:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        """Bind before serving, so port 0 yields the real port before the loop starts."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        return sock

    def _run(self, sock: socket.socket, on_ready: Callable[[], None]) -> None:
        try:
            config = uvicorn.Config(
                self,
                interface="asgi3",
                http="httptools",
                lifespan="off",
                log_config=None,  # leave the host process's logging alone
                log_level="warning",
                access_log=False,
                proxy_headers=False,
                server_header=False,
                timeout_keep_alive=75,  # worker pools stay idle between batches
                timeout_graceful_shutdown=1,
            )
            self._server = _Server(config, on_ready, self._release_for_exit)
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(self._serve(sock))
        finally:
            sock.close()
            on_ready()  # unblock start() if startup failed

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        self._loop = asyncio.get_running_loop()
        self._release_event = asyncio.Event()
        await self._server.serve(sockets=[sock])

    # -- scripts -----------------------------------------------------------------------------

    def fail_next(self, error: str, count: int = 1, *, retry_after: int | None = None) -> None:
        """Fail the next ``count`` sends with an FCM errorCode (queued after earlier scripts)."""
        failure = _validate_error(error, retry_after)
        with self._lock:
            self._fail_next.append(_Counted(_validate_count(count), failure))

    def stop_failing(self) -> None:
        """Forget every scripted failure not used yet (FCM is back)."""
        with self._lock:
            self._fail_next.clear()

    def fail_token(
        self, token: str, error: str = "UNREGISTERED", *, retry_after: int | None = None
    ) -> None:
        """Fail every send to ``token`` from now on, e.g. a dead token answering UNREGISTERED."""
        failure = _validate_error(error, retry_after)
        with self._lock:
            self._fail_tokens[token] = failure

    def garble_token(self, token: str, status: int = 200, body: bytes = b"") -> None:
        """Answer every send to ``token`` with this raw status and body (malformed answers)."""
        with self._lock:
            self._garbled_tokens[token] = (int(status), bytes(body))

    def fail_topic_next(self, error: str, count: int = 1) -> None:
        """Fail the next ``count`` topic calls (one per token: subscribe or unsubscribe)."""
        failure = _validate_error(error, None)
        with self._lock:
            self._fail_topic_next.append(_Counted(_validate_count(count), failure))

    def fail_topic_token(self, token: str, error: str = "QUOTA_EXCEEDED") -> None:
        """Fail every topic call for ``token`` from now on."""
        failure = _validate_error(error, None)
        with self._lock:
            self._fail_topic_tokens[token] = failure

    def hang_next(self, count: int = 1, seconds: float | None = None) -> None:
        """Hold the next ``count`` API requests (sends and topic calls) ``seconds``, or until
        release()/reset()/stop() when None; then they are answered as usual."""
        hang = _Hang(_validate_seconds(seconds))
        with self._lock:
            self._hang_next.append(_Counted(_validate_count(count), hang))

    def hang_token(self, token: str, seconds: float | None = None) -> None:
        """Hold every API request for ``token`` (sends and topic calls), as hang_next does."""
        hang = _Hang(_validate_seconds(seconds))
        with self._lock:
            self._hang_tokens[token] = hang

    def release(self) -> None:
        """Let every request hanging right now go on and be answered."""
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                self._loop.call_soon_threadsafe(self._wake_hangs)

    def reset(self) -> None:
        """Forget records, stats, scripts and subscriptions; release hanging requests."""
        with self._lock:
            self._requests.clear()
            self._sent.clear()
            self._subscriptions.clear()
            self._fail_next.clear()
            self._fail_tokens.clear()
            self._hang_next.clear()
            self._hang_tokens.clear()
            self._garbled_tokens.clear()
            self._fail_topic_next.clear()
            self._fail_topic_tokens.clear()
            self._sends = self._ok = self._failed = 0
            self._first_at = self._last_at = None
        self.release()

    def _wake_hangs(self) -> None:
        """Runs on the loop: wake current hangers; later ones wait on a fresh event."""
        if self._release_event is not None:
            self._release_event.set()
        self._release_event = asyncio.Event()

    # -- reading -----------------------------------------------------------------------------

    @property
    def sent(self) -> list[SentMessage]:
        """Well-formed sends in arrival order, failed ones included (see ``status``/``error``)."""
        with self._lock:
            return list(self._sent)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request to the fake Google endpoints; kept only while record_bodies is on."""
        with self._lock:
            return list(self._requests)

    @property
    def subscriptions(self) -> dict[str, set[str]]:
        """topic -> subscribed registration tokens (a copy)."""
        with self._lock:
            return {topic: set(tokens) for topic, tokens in self._subscriptions.items()}

    def stats(self) -> dict[str, Any]:
        """Send counters, kept even with record_bodies off: sends, ok, failed, first/last_at."""
        with self._lock:
            return {
                "sends": self._sends,
                "ok": self._ok,
                "failed": self._failed,
                "first_at": self._first_at,
                "last_at": self._last_at,
            }

    # -- the ASGI app ------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        method: str = scope["method"]
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        # Split before unquoting: the SDK quotes tokens with safe="", so "%2F" stays in a segment.
        parts = [unquote(part) for part in raw_path.split("/")[1:]]
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        if parts[:1] == ["_fake"]:
            status, payload = self._control(method, parts[1:], query, body)
            await _respond(send, status, _dumps(payload))
            return

        received_at = time.time()
        parsed = _parse_body(body, scope["headers"])
        if self.record_bodies:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            path = "/" + "/".join(parts)
            record = RecordedRequest(method, path, query, headers, parsed, received_at)
            with self._lock:
                self._requests.append(record)

        status, response, extra = 404, b"", []
        match parts:
            case ["v1", "projects", project, "messages:send"] if method == "POST":
                status, response, extra = await self._send_message(project, parsed, received_at)
            case ["v1", "projects", _, "registrations", token, "topicSubscriptions"] if (
                method == "POST" and query.get("topic_name")
            ):
                await self._maybe_hang(token)
                status, response, extra = self._topic_failure(token)
                if status == 200:
                    with self._lock:
                        self._subscriptions.setdefault(query["topic_name"], set()).add(token)
            case ["v1", "projects", _, "registrations", token, "topicSubscriptions", topic] if (
                method == "DELETE"
            ):
                await self._maybe_hang(token)
                status, response, extra = self._topic_failure(token)
                if status == 200:
                    with self._lock:
                        tokens = self._subscriptions.get(topic)
                        if tokens is not None:
                            tokens.discard(token)
                            if not tokens:
                                del self._subscriptions[topic]
            case ["token"] if method == "POST":
                status, response = 200, _dumps(TOKEN_RESPONSE)
            case _:
                message = f"The requested URL {method} {raw_path} was not found on this server."
                response = _platform_error(404, "NOT_FOUND", message)
        await _respond(send, status, response, extra)

    def _topic_failure(self, token: str) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        with self._lock:
            failure = _take(self._fail_topic_next) or self._fail_topic_tokens.get(token)
        if failure is None:
            return 200, b"{}", []
        return FCM_ERRORS[failure.error][0], _dumps(fcm_error_body(failure.error)), []

    async def _send_message(
        self, project: str, parsed: Any, received_at: float
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        message = parsed.get("message") if isinstance(parsed, dict) else None
        if not isinstance(message, dict):
            error = _platform_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
            return 400, error, []
        token = message.get("token") or message.get("fid")  # 7.x SDKs target "fid" too
        name = f"projects/{project}/messages/fake-{next(self._ids)}"
        record = SentMessage(
            name=name,
            project=project,
            token=token,
            message=message if self.record_bodies else None,
            validate_only=bool(parsed.get("validate_only")),
            received_at=received_at,
        )
        with self._lock:
            self._sent.append(record)
            self._sends += 1
            if self._first_at is None:
                self._first_at = received_at
            self._last_at = received_at

        await self._maybe_hang(token)

        with self._lock:
            garbled = self._garbled_tokens.get(token or "")
            failure = (
                None if garbled else _take(self._fail_next) or self._fail_tokens.get(token or "")
            )
            if failure is None and garbled is None:
                self._ok += 1
            else:
                self._failed += 1
        if garbled is not None:
            record.status = garbled[0]
            return garbled[0], garbled[1], []
        if failure is None:
            record.status = 200
            return 200, _dumps({"name": name}), []
        record.status, record.error = FCM_ERRORS[failure.error][0], failure.error
        extra = []
        if failure.retry_after is not None:
            extra.append((b"retry-after", str(failure.retry_after).encode()))
        return record.status, _dumps(fcm_error_body(failure.error)), extra

    async def _maybe_hang(self, token: str | None) -> None:
        with self._lock:
            if self._stopping:
                return
            hang = _take(self._hang_next) or self._hang_tokens.get(token or "")
        if hang is None or self._release_event is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release_event.wait(), hang.seconds)

    # -- the control API ---------------------------------------------------------------------

    def _control(
        self, method: str, parts: list[str], query: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        """``/_fake/<action>``: the scripts and readings of this class, as JSON over HTTP."""
        try:
            args: dict[str, Any] = json.loads(body) if body else {}
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
            match method, parts:
                case "GET", ["stats"]:
                    return 200, self.stats()
                case "GET", ["sent"]:
                    limit, offset = int(query.get("limit", 100)), int(query.get("offset", 0))
                    sent = self.sent
                    page = [asdict(record) for record in sent[offset : offset + limit]]
                    return 200, {"total": len(sent), "sent": page}
                case "GET", ["subscriptions"]:
                    return 200, {t: sorted(tokens) for t, tokens in self.subscriptions.items()}
                case "POST", ["fail_next"]:
                    self.fail_next(
                        args["error"], args.get("count", 1), retry_after=args.get("retry_after")
                    )
                case "POST", ["fail_token"]:
                    self.fail_token(
                        args["token"],
                        args.get("error", "UNREGISTERED"),
                        retry_after=args.get("retry_after"),
                    )
                case "POST", ["hang_next"]:
                    self.hang_next(args.get("count", 1), args.get("seconds"))
                case "POST", ["hang_token"]:
                    self.hang_token(args["token"], args.get("seconds"))
                case "POST", ["release"]:
                    self.release()
                case "POST", ["reset"]:
                    self.reset()
                case _:
                    return 404, {"error": f"no control endpoint {method} /_fake/{'/'.join(parts)}"}
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"error": f"{type(exc).__name__}: {exc}"}
        return 200, {}


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _parse_body(body: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    """JSON when it parses, a dict for google-auth's form post, else text; None when empty."""
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):  # not JSON: a form post or plain text
        return json.loads(text)
    for key, value in headers:
        if key == b"content-type" and value.startswith(b"application/x-www-form-urlencoded"):
            return dict(parse_qsl(text))
    return text


async def _respond(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"content-type", b"application/json; charset=UTF-8"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FakeFCMClient:
    """Drives a FakeFCM in another process through ``/_fake/``, with FakeFCM's method names."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, action: str, **kwargs: Any) -> Any:
        response = self._session.request(
            method, f"{self.url}/_fake/{action}", timeout=self.timeout, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def fail_next(self, error: str, count: int = 1, *, retry_after: int | None = None) -> None:
        self._call(
            "POST", "fail_next", json={"error": error, "count": count, "retry_after": retry_after}
        )

    def fail_token(
        self, token: str, error: str = "UNREGISTERED", *, retry_after: int | None = None
    ) -> None:
        self._call(
            "POST", "fail_token", json={"token": token, "error": error, "retry_after": retry_after}
        )

    def hang_next(self, count: int = 1, seconds: float | None = None) -> None:
        self._call("POST", "hang_next", json={"count": count, "seconds": seconds})

    def hang_token(self, token: str, seconds: float | None = None) -> None:
        self._call("POST", "hang_token", json={"token": token, "seconds": seconds})

    def release(self) -> None:
        self._call("POST", "release")

    def reset(self) -> None:
        self._call("POST", "reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def sent(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", "sent", params={"limit": limit, "offset": offset})["sent"]

    def subscriptions(self) -> dict[str, set[str]]:
        return {topic: set(tokens) for topic, tokens in self._call("GET", "subscriptions").items()}

    def close(self) -> None:
        self._session.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake FCM server in the foreground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--no-record-bodies",
        action="store_true",
        help="keep only stats and light send records, for 100,000-send benchmarks",
    )
    args = parser.parse_args(argv)
    fake = FakeFCM(args.host, args.port, record_bodies=not args.no_record_bodies)
    # uvicorn shuts down gracefully on these, then re-raises them: make that a clean exit 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: sys.exit(0))
    fake.serve_forever(on_ready=lambda: print(fake.url, flush=True))


if __name__ == "__main__":
    main()
