"""The cameras as outside systems: their HLS playlists (probes, asyncio) and their stills.

Every call is bounded: a total deadline (a socket that accepts and never answers costs one
timeout, no more), a byte limit read incrementally (a huge body is never read whole), and for
the probes a semaphore and a connection pool of the same size. Errors become short codes;
exception texts (which carry URLs, and URLs carry credentials) are never logged or stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
import requests

from cctv.probes import Outcome, playlist_read

USER_AGENT = "JAKI-camera-probe/1"


class TooLarge(Exception):
    """A playlist or snapshot over its byte cap: never read whole."""


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > limit:
        raise TooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def _probe_one(
    session: aiohttp.ClientSession, url: str, *, now: datetime, max_bytes: int
) -> Outcome:
    started = time.monotonic()
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(ok=False, error="not_http")
    for _hop in range(2):  # a multivariant playlist: read its first media playlist once
        async with session.get(url, allow_redirects=True, max_redirects=3) as response:
            if response.status != 200:
                return Outcome(ok=False, error=f"http_{response.status}")
            body = await _read_bounded(response, max_bytes)
        playlist = playlist_read(body, now=now)
        if not playlist.variant:
            break
        url = urljoin(url, playlist.variant)
    else:
        return Outcome(ok=False, error="bad_playlist")
    latency = int(1000 * (time.monotonic() - started))
    return Outcome(
        ok=not playlist.error,
        error=playlist.error,
        position=playlist.position,
        target_duration=playlist.target_duration,
        latency_ms=latency,
    )


class _Waves:
    """Which probes are on the wire since when, what has answered, and what was handed out."""

    def __init__(self, total: int, connect_timeout: float, hand_out: Callable[[dict], None]):
        self.total = total
        self.connect_timeout = connect_timeout
        self.hand_out = hand_out
        self.started = 0
        self.open: dict[int, float] = {}  # key -> time.monotonic() it went on the wire
        self.done: dict[int, Outcome] = {}
        self.handed: set[int] = set()  # keys of the early wave

    def silent_only(self) -> bool:
        """Every probe has started, and those still open have been silent past the connect
        timeout: hanging cameras, most likely, whose timeouts need not hold up the rest."""
        now = time.monotonic()
        return (
            self.started == self.total
            and bool(self.open)
            and bool(self.done)
            and all(now - since >= self.connect_timeout for since in self.open.values())
        )

    async def watch(self) -> None:
        while len(self.done) < self.total:
            if self.silent_only():
                early = dict(self.done)
                self.handed = set(early)
                self.hand_out(early)
                return
            await asyncio.sleep(0.05)


async def _probe_guarded(
    session: aiohttp.ClientSession,
    semaphore: asyncio.Semaphore,
    waves: _Waves,
    key: int,
    url: str,
    *,
    now: datetime,
    timeout: float,
    max_bytes: int,
) -> None:
    async with semaphore:
        waves.started += 1
        waves.open[key] = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                outcome = await _probe_one(session, url, now=now, max_bytes=max_bytes)
        except TimeoutError:
            outcome = Outcome(ok=False, error="timeout")
        except TooLarge:
            outcome = Outcome(ok=False, error="too_large")
        except aiohttp.TooManyRedirects:
            outcome = Outcome(ok=False, error="redirects")
        except (aiohttp.ClientConnectorError, ConnectionError):
            outcome = Outcome(ok=False, error="unreachable")
        except (aiohttp.ClientError, ValueError, OSError):
            outcome = Outcome(ok=False, error="bad_response")
        del waves.open[key]
        waves.done[key] = outcome


async def _probe_all(
    targets: list[tuple[int, str]],
    *,
    now: datetime,
    concurrency: int,
    timeout: float,
    connect_timeout: float,
    max_bytes: int,
    hand_out: Callable[[dict[int, Outcome]], None],
) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=300, ssl=None)
    client_timeout = aiohttp.ClientTimeout(
        total=timeout, sock_connect=connect_timeout, sock_read=timeout
    )
    waves = _Waves(len(targets), connect_timeout, hand_out)
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=client_timeout,
        headers={"User-Agent": USER_AGENT},
        auto_decompress=True,
        max_line_size=16 * 1024,
        max_field_size=16 * 1024,
    ) as session:
        watcher = asyncio.create_task(waves.watch())
        await asyncio.gather(
            *(
                _probe_guarded(
                    session,
                    semaphore,
                    waves,
                    key,
                    url,
                    now=now,
                    timeout=timeout,
                    max_bytes=max_bytes,
                )
                for key, url in targets
            )
        )
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    hand_out({k: v for k, v in waves.done.items() if k not in waves.handed})


def playlists_probe(
    targets: Iterable[tuple[int, str]],
    *,
    now: datetime,
    concurrency: int,
    timeout: float,
    connect_timeout: float,
    max_bytes: int,
) -> Iterator[dict[int, Outcome]]:
    """Probe every (key, playlist URL) at once, at most `concurrency` on the wire; each answer
    within `timeout` seconds or it is a `timeout` failure. Yields the outcomes in one or two
    waves: when every probe has started and only silent ones are left, what has answered so
    far, so the caller writes it while those run out their timeout; then the rest. The event
    loop runs in a thread of its own."""
    waves: queue.SimpleQueue = queue.SimpleQueue()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(
                _probe_all(
                    list(targets),
                    now=now,
                    concurrency=max(1, concurrency),
                    timeout=timeout,
                    connect_timeout=connect_timeout,
                    max_bytes=max_bytes,
                    hand_out=waves.put,
                )
            )
        except BaseException as exc:  # handed to the caller's thread, raised there
            failure.append(exc)
        finally:
            waves.put(None)

    thread = threading.Thread(target=run, name="cctv-probes", daemon=True)
    thread.start()
    while (wave := waves.get()) is not None:
        yield wave
    thread.join()
    if failure:
        raise failure[0]


class SnapshotUnavailable(Exception):
    """The camera gave no still image in time (the reason is a short code)."""


def snapshot_fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """A camera's still image, at most max_bytes, within about `timeout` seconds."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise SnapshotUnavailable("not_http")
    deadline = time.monotonic() + timeout
    try:
        with requests.get(
            url, timeout=(min(timeout, 2.0), timeout), stream=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise SnapshotUnavailable(f"http_{response.status_code}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise SnapshotUnavailable("too_large")
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise SnapshotUnavailable("too_large")
                if time.monotonic() > deadline:
                    raise SnapshotUnavailable("timeout")
            return bytes(data)
    except requests.Timeout:
        raise SnapshotUnavailable("timeout") from None
    except requests.RequestException:
        raise SnapshotUnavailable("unreachable") from None
