"""The HTTP round trip of FCM's `messages:send`: aiohttp on one event loop thread per process.

firebase-admin builds and encodes every message and turns every error answer into its own
exception classes (fcm.py); only the POST itself is made here, because the SDK's transports are
the bottleneck at FCM scale. On the 2-core bench machine `messaging.send` over requests manages
~950 sends/s per process and `send_each_async` (httpx) ~100; aiohttp on one loop ~11,000
(bench/push_fanout.py measures the whole path). One keep-alive pool of `concurrency`
connections is shared by every send of the process.

The loop runs in a daemon thread; callers stay synchronous (Celery tasks, management commands)
and get a `concurrent.futures.Future` per batch, so a caller can prepare the next batch while
this one is on the wire.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Generic, TypeVar

import aiohttp
from yarl import URL

T = TypeVar("T")

# What a POST came back with: (HTTP status, headers, body), or the exception that ended it.
Answer = tuple[int, Mapping[str, str], bytes] | BaseException


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # uvicorn[standard] brings it; a third less CPU per request
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class Transport(Generic[T]):
    """POST bodies to one URL over a bounded keep-alive pool; `read` turns each answer into a T
    on the loop, so the time it records is when the answer arrived."""

    def __init__(
        self, *, url: str, concurrency: int, timeout: float, read: Callable[[Answer], T]
    ) -> None:
        self._url = URL(url, encoded=True)  # parsed once, not on every request
        self._read = read
        self._loop = _new_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="fcm-transport", daemon=True
        )
        self._thread.start()
        self._session: aiohttp.ClientSession = self._run(self._open(concurrency, timeout)).result()

    async def _open(self, concurrency: int, timeout: float) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
            # A send's clock starts when it has a connection: waiting for one of the pool is
            # queueing behind earlier sends, not FCM being slow.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # push goes straight to FCM, never through an environment proxy
            auto_decompress=False,
            skip_auto_headers=("User-Agent",),
        )

    def submit(self, bodies: list[bytes], headers: Mapping[str, str]) -> Future[list[T]]:
        """Send every body (at most `concurrency` at a time); the future holds one T per body,
        in order."""
        return self._run(self._post_all(bodies, dict(headers)))

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._run(self._session.close()).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _run(self, coroutine) -> Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _post_all(self, bodies: list[bytes], headers: dict[str, str]) -> list[T]:
        return await asyncio.gather(*(self._post(body, headers) for body in bodies))

    async def _post(self, body: bytes, headers: dict[str, str]) -> T:
        try:
            async with self._session.post(
                self._url, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer: Answer = (response.status, response.headers, await response.read())
        except (aiohttp.ClientError, TimeoutError) as error:
            answer = error
        return self._read(answer)
