"""A fake HLS origin on loopback: one asyncio server answering as many cameras as asked, each
behaving as its path's first element says.

    /live/<camera>/index.m3u8      a live playlist: media sequence moving every TARGET seconds,
                                    #EXT-X-PROGRAM-DATE-TIME of segments just made
    /master/<camera>/index.m3u8    a multivariant playlist naming /live/<camera>/index.m3u8
    /frozen/<camera>/index.m3u8    a playlist whose media sequence never moves (no date-times)
    /stale/<camera>/index.m3u8     moving sequence, but its newest segment is an hour old
    /error/<camera>/index.m3u8     500
    /hang/<camera>/index.m3u8      accepts, reads the request, never answers
    /html/<camera>/index.m3u8      200 with a captive-portal-like HTML page
    /huge/<camera>/index.m3u8      200 streaming 200 MB of playlist-looking text, no length
    /snapshot/<camera>.jpg         a small JPEG

Time comes from time.time(), so time-machine moves the playlists with the code under test.
Run alone for the bench: `python -m tests.fakes.hls --port 9300`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import threading
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

TARGET = 2  # seconds: #EXT-X-TARGETDURATION of the live playlists
SEGMENTS = 3
HUGE_BYTES = 200 * 1024 * 1024


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def live_playlist(*, now: float, dated: bool = True, age: float = 0.0) -> bytes:
    first = int(now // TARGET) - SEGMENTS
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{TARGET}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
    ]
    for n in range(first, first + SEGMENTS):
        if dated:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(n * TARGET - age)}")
        lines += [f"#EXTINF:{TARGET}.000,", f"segment-{n}.ts"]
    return ("\n".join(lines) + "\n").encode()


FROZEN = (
    b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4711\n"
    b"#EXTINF:2.0,\nsegment-4711.ts\n#EXTINF:2.0,\nsegment-4712.ts\n"
)
HTML = b"<!DOCTYPE html><html><body><h1>Login required</h1></body></html>"


class FakeHLS:
    """The server; start() runs it on a thread of its own with its own event loop."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.requests = 0
        self._jpeg = _jpeg()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def camera_url(self, behaviour: str, camera: str) -> str:
        return f"{self.url}/{behaviour}/{camera}/index.m3u8"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                path = head.split(b" ", 2)[1].decode("latin-1")
                if not await self._answer(path, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return  # the client went away or sent a broken request: nothing to answer
        finally:
            self._writers.discard(writer)
            with suppress(Exception):
                writer.close()

    async def _answer(self, path: str, writer: asyncio.StreamWriter) -> bool:
        kind = path.strip("/").split("/", 1)[0]
        now = time.time()
        if kind == "hang":
            await asyncio.Event().wait()  # until the server stops
        if kind == "huge":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
            )
            chunk = b"#EXTINF:2.0,\nsegment.ts\n" * 2730
            sent = 0
            while sent < HUGE_BYTES:
                writer.write(chunk)
                sent += len(chunk)
                await writer.drain()
            return False
        status, ctype, body = 200, "application/vnd.apple.mpegurl", b""
        if kind == "live":
            body = live_playlist(now=now)
        elif kind == "master":
            camera = path.strip("/").split("/")[1]
            body = (
                f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n/live/{camera}/index.m3u8\n"
            ).encode()
        elif kind == "frozen":
            body = FROZEN
        elif kind == "stale":
            body = live_playlist(now=now, age=3600)
        elif kind == "html":
            ctype, body = "text/html", HTML
        elif kind == "snapshot":
            ctype, body = "image/jpeg", self._jpeg
        elif kind == "error":
            status, ctype, body = 500, "text/plain", b"internal error"
        else:
            status, ctype, body = 404, "text/plain", b"not found"
        reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        return True

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, backlog=4096, limit=64 * 1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        async with self._server:
            await self._server.serve_forever()

    def start(self) -> FakeHLS:
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            task = loop.create_task(self.serve())
            loop.call_soon(started.set)
            with suppress(asyncio.CancelledError):
                loop.run_until_complete(task)
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-hls", daemon=True)
        self._thread.start()
        started.wait(5)
        while self._server is None or not self._server.sockets:
            time.sleep(0.01)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        def shutdown() -> None:
            for writer in list(self._writers):
                writer.close()
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()

        self._loop.call_soon_threadsafe(shutdown)
        if self._thread is not None:
            self._thread.join(5)


@contextmanager
def running(host: str = "127.0.0.1", port: int = 0):
    server = FakeHLS(host, port).start()
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake HLS origin on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9300)
    args = parser.parse_args()
    server = FakeHLS(args.host, args.port)
    print(f"fake HLS on http://{args.host}:{args.port}", flush=True)
    with suppress(KeyboardInterrupt):
        asyncio.run(server.serve())


if __name__ == "__main__":
    main()
