"""Benchmark: the fake FCM server's throughput from a bare HTTP client on loopback.

Claim: a bare keep-alive client reaches at least 2,000 ``POST …/messages:send`` per second
against ``python -m tests.fakes.fcm --no-record-bodies``, so in an app benchmark the fake is
never the bottleneck: whatever rate the app reaches is the app's.

    .venv/bin/python bench/fake_fcm_bare.py [--requests 20000] [--concurrency 64] [--url URL]

Starts the fake as its own process (unless --url names a running one), then times the same
~680-byte message three ways: raw asyncio streams (``measure_bare_client``, the bare client other
benchmarks import), the push worker's aiohttp transport on its own (``measure_transport``), and
a thread pool of ``requests`` Sessions, the way firebase-admin sends.
After each run the fake's own stats must count exactly the requests sent. Exits with 1 when the
bare client misses the target.

The bare client is hand-written HTTP/1.1 because library clients are the bottleneck here, not
the fake: on this 2-core machine httpx.AsyncClient manages ~400 req/s on one connection and
~160 at 64 (its pool scales badly), a single requests Session ~540.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "jaki-bench"
TARGET_RATE = 2_000
WARMUP = 500

# An FCM registration token is ~163 characters; the rest is a typical JAKI alert.
MESSAGE = {
    "message": {
        "token": "eXAMPLEtoken0123:APA91b" + "F" * 140,
        "notification": {
            "title": "Peringatan banjir: Kampung Melayu",
            "body": (
                "Tinggi muka air Pintu Air Manggarai 850 cm (Siaga 2). Hindari bantaran Ciliwung."
            ),
        },
        "data": {
            "kind": "flood_warning",
            "warning_id": "7f3c2a9e-4b1d-4e8a-9c55-1f0e2d3b4a69",
            "kelurahan": "3172010001",
            "level": "SIAGA_2",
            "deeplink": "jaki://warnings/7f3c2a9e-4b1d-4e8a-9c55-1f0e2d3b4a69",
        },
        "android": {"priority": "high", "notification": {"channel_id": "warnings"}},
        "apns": {"headers": {"apns-priority": "10"}, "payload": {"aps": {"sound": "default"}}},
    }
}
BODY = json.dumps(MESSAGE, separators=(",", ":")).encode()


def send_url(base_url: str, project: str = PROJECT) -> str:
    return f"{base_url.rstrip('/')}/v1/projects/{project}/messages:send"


def measure_bare_client(url: str, n: int = 20_000, concurrency: int = 64) -> float:
    """Requests/s of ``n`` sends over ``concurrency`` keep-alive connections (raw asyncio).

    ``url`` is the fake's base URL. Hand-written HTTP/1.1 on asyncio streams (uvloop when
    installed) costs the client far less per request than any library, so this measures the
    server. Raises when any answer is not 200.
    """
    loop_factory = _loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_bare_client(url, n, concurrency))


async def _bare_client(url: str, n: int, concurrency: int) -> float:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = f"/v1/projects/{PROJECT}/messages:send"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Authorization: Bearer fake-token\r\nContent-Type: application/json; charset=UTF-8\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY
    remaining = n

    async def worker() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while remaining > 0:
                remaining -= 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12]
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if status != b"200":
                    raise RuntimeError(f"fake answered {status.decode()}: {head!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
    return n / (time.perf_counter() - started)


def measure_requests_threads(url: str, n: int = 20_000, threads: int = 64) -> float:
    """Requests/s of a thread pool with one ``requests.Session`` per thread, as the SDK sends."""
    target = send_url(url)
    local = threading.local()

    def post(_: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.post(target, json=MESSAGE, timeout=30)
        response.raise_for_status()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        started = time.perf_counter()
        deque(pool.map(post, range(n)), maxlen=0)  # run them all, keep nothing
        return n / (time.perf_counter() - started)


def measure_transport(url: str, n: int = 20_000, concurrency: int = 64) -> float:
    """Requests/s of the push worker's own transport (jaki/notifications/transport.py: aiohttp
    on one event loop thread) alone: no Django, no database, batches of ``concurrency`` kept
    two deep as the worker keeps its windows. Raises when any answer is not 200."""
    from jaki.notifications.transport import Transport

    def status(answer) -> int:
        return answer[0] if isinstance(answer, tuple) else -1

    headers = {"Authorization": "Bearer fake-token", "Content-Type": "application/json"}
    transport = Transport(url=send_url(url), concurrency=concurrency, timeout=30, read=status)
    try:
        in_flight: deque = deque()
        answered: list[int] = []
        started = time.perf_counter()
        for start in range(0, n, concurrency):
            in_flight.append(transport.submit([BODY] * min(concurrency, n - start), headers))
            if len(in_flight) >= 2:
                answered += in_flight.popleft().result()
        while in_flight:
            answered += in_flight.popleft().result()
        elapsed = time.perf_counter() - started
    finally:
        transport.close()
    if set(answered) != {200}:
        raise RuntimeError(f"the fake answered {sorted(set(answered))}")
    return n / elapsed


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


@contextmanager
def fake_fcm_process(*extra_args: str) -> Iterator[str]:
    """Run ``python -m tests.fakes.fcm`` as its own process; yield its URL, then stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fcm", "--port", "0", *extra_args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the fake did not start (printed {url!r})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def timed(
    label: str, url: str, measure: Callable[[str, int, int], float], n: int, concurrency: int
) -> float:
    """Warm up, reset the fake, measure, and check the fake counted every request as ok."""
    measure(url, WARMUP, concurrency)
    requests.post(f"{url}/_fake/reset", timeout=10).raise_for_status()
    rate = measure(url, n, concurrency)
    stats = requests.get(f"{url}/_fake/stats", timeout=10).json()
    if (stats["sends"], stats["ok"]) != (n, n):
        raise RuntimeError(f"{label}: the fake counted {stats}, expected {n} ok sends")
    served = n / (stats["last_at"] - stats["first_at"]) if n > 1 else rate
    print(f"{label:<38}: {rate:>8,.0f} req/s  (fake saw {served:,.0f} req/s)", flush=True)
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000, help="sends per client")
    parser.add_argument("--concurrency", type=int, default=64, help="connections / threads")
    parser.add_argument("--url", help="a fake already running (else one is started)")
    args = parser.parse_args()

    fake = nullcontext(args.url) if args.url else fake_fcm_process("--no-record-bodies")
    with fake as url:
        print(f"Fake FCM at {url}; {len(BODY)}-byte messages:send body")
        print(f"{args.requests:,} sends per client, concurrency {args.concurrency}")
        n, concurrency = args.requests, args.concurrency
        bare = timed("raw asyncio streams (bare client)", url, measure_bare_client, n, concurrency)
        transport = timed(
            "aiohttp, one loop (the push worker's)", url, measure_transport, n, concurrency
        )
        threads = timed(
            "requests Sessions, thread pool", url, measure_requests_threads, n, concurrency
        )
    ok = bare >= TARGET_RATE
    print(
        f"bare client {bare:,.0f} req/s (target {TARGET_RATE:,}); push transport "
        f"{transport:,.0f} req/s; SDK-style {threads:,.0f} req/s"
    )
    print(f"{'PASS' if ok else 'FAIL'}  the fake serves >= {TARGET_RATE:,} requests/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
