"""The real servers for tests that must go through the wire: websocket handshakes as phones
make them, proxy headers, logs, database connections. `run_asgi_server` is the one `make run`
starts (`uvicorn jaki.asgi:application`: HTTP through a2wsgi, websockets through Channels);
`run_procfile_process("web" | "ws", …)` starts a production process from deploy/Procfile.

Use the `asgi_server` fixture (tests/conftest.py) for a server with the default environment, or
`run_asgi_server(env={...})` for one with extra environment variables (e.g. NUM_PROXIES):

    def test_something(asgi_server):
        response = asgi_server.get("/healthz")
        tokens = asgi_server.login("081234567890")
        with asgi_server.websocket(f"/ws/feed/?token={tokens['access']}") as ws: ...
        assert "…" in asgi_server.log()

The server is a subprocess on a free 127.0.0.1 port, talking to this test's database (the
test must be transactional: `transactional_db`, which the fixture requests, so rows the test
writes are committed and visible to it) and, when REDIS_URL is set, to the same Redis (cache
and channel layer), so `channel_layer.group_send` from the test reaches its sockets. Celery
runs eagerly inside it. The test's `settings` overrides do not reach it: pass environment
variables instead. Everything it writes to stdout and stderr (uvicorn's access log included)
is kept in `log()`. It needs PostgreSQL: SQLite's test database lives in this process's memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connections

PROJECT = Path(__file__).resolve().parent.parent
UVICORN = Path(sys.executable).with_name("uvicorn")
START_TIMEOUT_SECONDS = 30
CODE_IN_SMS = re.compile(r"SMS to \+\d+: \D*(\d{6})")
# No proxy from the environment between a test and its loopback server.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


@dataclass
class AsgiServer:
    url: str  # http://127.0.0.1:<port>
    ws_url: str  # ws://127.0.0.1:<port>
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        """Everything the server wrote so far (stdout and stderr, unbuffered)."""
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> Response:
        """One HTTP request; JSON `body` when given. Never raises on a 4xx/5xx status."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with _HTTP.open(request, timeout=10) as response:
                return Response(response.status, response.read(), _headers(response))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read(), _headers(error))

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> Response:
        return self.request("POST", path, body, **kwargs)

    def login(self, phone: str) -> dict:
        """The whole OTP login over HTTP, the code read from the console SMS stand-in's line;
        returns the token response (`access`, `refresh`, `user`)."""
        assert self.post("/api/v1/auth/otp/", {"phone": phone}).status == 202
        code = CODE_IN_SMS.findall(self.log())[-1]
        response = self.post("/api/v1/auth/token/", {"phone": phone, "code": code})
        assert response.status == 200, response.body
        return response.json()

    def websocket(self, path: str, origin: str | None = None, **kwargs):
        """A `websockets` sync client connection; no Origin header unless `origin` is given
        (as native apps do)."""
        from websockets.sync.client import connect

        kwargs.setdefault("open_timeout", 10)
        return connect(self.ws_url + path, origin=origin, proxy=None, **kwargs)


def _headers(response) -> dict[str, str]:
    """Lowercased names: granian sends them lowercase, uvicorn as written."""
    return {name.lower(): value for name, value in response.headers.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url() -> str:
    """The URL of the database this test runs against (Django's `test_…` one)."""
    db = connections["default"].settings_dict
    if "postgresql" not in db["ENGINE"]:
        raise RuntimeError("the ASGI server tests need DATABASE_URL=postgres://…")
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@contextlib.contextmanager
def run_asgi_server(log_path: Path, env: dict[str, str] | None = None) -> Iterator[AsgiServer]:
    """Start the server `make run` starts, wait until it answers /healthz, yield it, stop it."""
    port = free_port()
    command = [str(UVICORN), "jaki.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--lifespan", "off"]
    with _run(command, port, log_path, env or {}) as server:
        yield server


def procfile_command(name: str, port: int, **values: str) -> tuple[list[str], dict[str, str]]:
    """deploy/Procfile's `name:` line as argv (this virtualenv's executable, bound to loopback:
    the Procfile's 0.0.0.0 is for a container; click keeps the last --host) and the variables
    its `env K=V` prefix sets. `${VAR:-default}` takes `values[VAR]`, else the default."""
    line = next(
        line
        for line in (PROJECT / "deploy" / "Procfile").read_text().splitlines()
        if line.startswith(f"{name}:")
    )
    line = re.sub(
        r"\$\{(\w+):-([^}]*)\}",
        lambda m: values.get(m.group(1), m.group(2)),
        line.removeprefix(f"{name}:"),
    )
    argv = shlex.split(line)
    environment = {}
    if argv[0] == "env":
        argv.pop(0)
        while "=" in argv[0]:
            key, _, value = argv.pop(0).partition("=")
            environment[key] = value
    argv[0] = str(Path(sys.executable).with_name(argv[0]))
    return [*argv, "--host", "127.0.0.1"], environment


@contextlib.contextmanager
def run_procfile_process(
    name: str, log_path: Path, env: dict[str, str] | None = None, **values: str
) -> Iterator[AsgiServer]:
    """Start deploy/Procfile's `name:` process (`web`, `ws`) as production runs it, with `env`
    and `values` for its `${VAR:-default}` (e.g. WEB_CONCURRENCY="1")."""
    port = free_port()
    # As a shell would: `${VAR:-…}` sees the process's environment too.
    values = {**(env or {}), "PORT": str(port), **values}
    command, environment = procfile_command(name, port, **values)
    with _run(command, port, log_path, {**environment, **(env or {})}) as server:
        yield server


@contextlib.contextmanager
def _run(command: list[str], port: int, log_path: Path, env: dict[str, str]):
    environment = {
        **os.environ,
        # Nothing held open after the test: the test database is flushed, then dropped.
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PYTHONUNBUFFERED": "1",
        **({"REDIS_URL": settings.REDIS_URL} if settings.REDIS_URL else {}),
        **env,
    }
    if "DATABASE_URL" not in env:
        environment["DATABASE_URL"] = current_database_url()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = AsgiServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", log_path, process)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: AsgiServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log()}")
        with contextlib.suppress(OSError):  # not listening yet
            if server.get("/healthz").status == 200:
                return
        time.sleep(0.1)  # waiting for a process to listen, not for the clock
    raise RuntimeError(f"the server did not start:\n{server.log()}")
