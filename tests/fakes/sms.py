"""A tiny fake SMS gateway on loopback: records each POST and answers with a scripted status.

with FakeSMSGateway() as gateway:
    gateway.status = 503          # the next answers
    gateway.received[0].json, gateway.received[0].headers
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ReceivedSMS:
    path: str
    headers: dict[str, str]
    json: Any


class FakeSMSGateway:
    def __init__(self) -> None:
        self.received: list[ReceivedSMS] = []
        self.status = 202
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.received.append(
                    ReceivedSMS(self.path, dict(self.headers.items()), json.loads(body or b"null"))
                )
                self.send_response(gateway.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """Quiet: tests read what the gateway received, not its access log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def __enter__(self) -> FakeSMSGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
