"""Services of the tests' own, which a test stops and starts: a Redis on a spare port, a
PostgreSQL cluster in a temporary folder (holding a copy of the test database). The shared
servers on the standard ports are never touched."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connections

from tests.notifications.conftest import fake_fcm, firebase  # noqa: F401  (fixtures)
from tests.servers import free_port

PG_BIN = Path("/usr/lib/postgresql") / (
    sorted(os.listdir("/usr/lib/postgresql"))[-1] if Path("/usr/lib/postgresql").is_dir() else "0"
)


def _wait(check, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)  # waiting for another process to listen, not for the clock
    raise RuntimeError(f"{what} did not come up")


class OwnRedis:
    """`redis-server` on a spare loopback port, stopped and started by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def _ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return result.stdout.strip() == "PONG"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self._ping, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def demo_regions(transactional_db) -> None:
    """Jakarta's map (the demo regions `make run` seeds), committed for the server to read."""
    from jaki.regions import demo

    demo.seed(stdout=io.StringIO())


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian's redis-server)")
    redis = OwnRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, run as the
    `postgres` system user, which PostgreSQL requires), holding a copy of the test database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/jaki"

    def _as_postgres(self, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *argv], check=True, capture_output=True, **kwargs)

    def create(self, source_url: str) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "bin" / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        self.start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "jaki"],
            check=True,
        )
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._as_postgres(
            str(PG_BIN / "bin" / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "start",
            "-l",
            str(self.folder / "postgres.log"),
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._as_postgres(
                str(PG_BIN / "bin" / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
            )


@pytest.fixture
def own_postgres(transactional_db):
    """A cluster of the test's own with a copy of the test database (migrated, regions loaded)."""
    from tests.servers import current_database_url

    if not (PG_BIN / "bin" / "initdb").exists():
        pytest.fail("PostgreSQL's server binaries are missing (Debian's postgresql)")
    connections.close_all()
    # Not below pytest's own folder: the `postgres` user could not reach into root's.
    cluster = OwnPostgres(Path(tempfile.mkdtemp(prefix="jaki-faults-pg-")))
    try:
        cluster.create(current_database_url())
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
