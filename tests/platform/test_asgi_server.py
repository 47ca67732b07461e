"""The production web process (deploy/Procfile), for real: uvicorn must not let a client pick
its own address through X-Forwarded-For before Django's NUM_PROXIES rule sees the request."""

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
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _procfile_web_command(port: int) -> list[str]:
    line = next(
        line
        for line in (ROOT / "deploy" / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    values = {"PORT": str(port), "WEB_CONCURRENCY": "1"}  # one worker: one local-memory cache
    line = re.sub(r"\$\{(\w+):-[^}]*\}", lambda m: values[m.group(1)], line.removeprefix("web:"))
    argv = shlex.split(line)
    assert argv[0] == "uvicorn"
    # Bind loopback only (the Procfile's 0.0.0.0 is for a container); click keeps the last --host.
    return [str(Path(sys.executable).parent / "uvicorn"), *argv[1:], "--host", "127.0.0.1"]


@pytest.fixture
def web_server(tmp_path):
    """Start the Procfile's web process with `env` overrides; yields its base URL."""
    started = []

    def start(**env: str) -> str:
        port = _free_port()
        environ = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "DATABASE_URL", "NUM_PROXIES"}
        }
        environ.update(
            DJANGO_ENV="development",  # plain HTTP on loopback, no production secrets needed
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        )
        process = subprocess.Popen(
            _procfile_web_command(port),
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)  # waiting for a process to start, not for time to pass
        pytest.fail("uvicorn did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def _ask_for_code(base: str, forwarded_for: str | None = None) -> int:
    request = urllib.request.Request(
        base + "/api/v1/auth/otp/",
        data=json.dumps({"phone": "x"}).encode(),  # malformed: the throttle runs first
        headers={"Content-Type": "application/json"},
    )
    if forwarded_for is not None:
        request.add_header("X-Forwarded-For", forwarded_for)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_web_process_ignores_a_forged_forwarded_for(web_server):
    base = web_server(THROTTLE_OTP_IP="1/hour")
    assert _ask_for_code(base) == 400

    assert _ask_for_code(base, forwarded_for="anything-at-all") == 429
    assert _ask_for_code(base, forwarded_for="203.0.113.9") == 429


def test_behind_a_proxy_the_web_process_counts_the_address_the_proxy_saw(web_server):
    base = web_server(THROTTLE_OTP_IP="1/hour", NUM_PROXIES="1")
    assert _ask_for_code(base, forwarded_for="198.51.100.1, 203.0.113.7") == 400

    assert _ask_for_code(base, forwarded_for="198.51.100.2, 203.0.113.7") == 429
    assert _ask_for_code(base, forwarded_for="203.0.113.8") == 400
