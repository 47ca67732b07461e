"""The production processes (deploy/Procfile) and `make run`'s server, for real: granian's `web:`
must not let a client pick its own address through X-Forwarded-For before Django's NUM_PROXIES
rule sees the request; `web:` serves the API and static files, `ws:` the live feed; and no layout
opens more PostgreSQL connections than its threads (or pool) allow, however many clients come."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from rest_framework_simplejwt.tokens import AccessToken

from jaki.notifications import services
from tests.accounts.factories import UserFactory
from tests.servers import current_database_url, run_asgi_server, run_procfile_process

PHONE = "081234567890"
UNLIMITED = {"THROTTLE_USER": "100000/min", "THROTTLE_ANON": "100000/min"}


@pytest.fixture
def web_server(tmp_path):
    """Start the Procfile's web process (one worker: one local-memory cache) on SQLite, without
    Redis, with `env` overrides; yields it."""
    started = []

    def start(**env: str):
        server = run_procfile_process(
            "web",
            tmp_path / f"web-{len(started)}.log",
            env={
                "DJANGO_ENV": "development",  # plain HTTP on loopback, no production secrets
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "REDIS_URL": "",
                "NUM_PROXIES": "0",
                **env,
            },
            WEB_CONCURRENCY="1",
        )
        started.append(server)
        return server.__enter__()

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)


def _ask_for_code(web, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    # Malformed: the throttle runs first.
    return web.post("/api/v1/auth/otp/", {"phone": "x"}, headers=headers).status


def test_the_web_process_ignores_a_forged_forwarded_for(web_server):
    web = web_server(THROTTLE_OTP_IP="1/hour")
    assert _ask_for_code(web) == 400

    assert _ask_for_code(web, forwarded_for="anything-at-all") == 429
    assert _ask_for_code(web, forwarded_for="203.0.113.9") == 429


def test_behind_a_proxy_the_web_process_counts_the_address_the_proxy_saw(web_server):
    web = web_server(THROTTLE_OTP_IP="1/hour", NUM_PROXIES="1")
    assert _ask_for_code(web, forwarded_for="198.51.100.1, 203.0.113.7") == 400

    assert _ask_for_code(web, forwarded_for="198.51.100.2, 203.0.113.7") == 429
    assert _ask_for_code(web, forwarded_for="203.0.113.8") == 400


@pytest.mark.postgres
def test_the_web_process_serves_the_api_and_static_files(transactional_db, tmp_path):
    user = UserFactory()
    bearer = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}

    with run_procfile_process("web", tmp_path / "web.log", WEB_CONCURRENCY="1") as web:
        me = web.get("/api/v1/me/", headers=bearer)
        anonymous = web.get("/api/v1/me/")
        stylesheet = web.get("/static/admin/css/base.css")

    assert me.status == 200
    assert me.json()["id"] == str(user.public_id)
    assert anonymous.status == 401
    assert "error" in anonymous.json()
    assert stylesheet.status == 200
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert b"body" in stylesheet.body


@pytest.mark.postgres
@pytest.mark.redis
def test_the_ws_process_serves_the_feed_the_web_process_logs_into(transactional_db, tmp_path):
    with (
        run_procfile_process("web", tmp_path / "web.log", WEB_CONCURRENCY="1") as web,
        run_procfile_process("ws", tmp_path / "ws.log", WS_CONCURRENCY="1") as ws,
    ):
        tokens = web.login(PHONE)
        with ws.websocket(f"/ws/feed/?token={tokens['access']}") as feed:
            feed.send('{"type": "ping"}')
            assert json.loads(feed.recv(timeout=5)) == {"type": "pong"}
            services.notify(
                kind="complaint.updated",
                title={"id": "Laporan diverifikasi"},
                body={"id": "Laporan JK-1 sedang ditangani."},
                users=[UserFactory._meta.model.objects.get(public_id=tokens["user"]["id"])],
            )
            event = json.loads(feed.recv(timeout=10))

    assert event["type"] == "notification"
    assert event["title"] == "Laporan diverifikasi"


class _BackendCounter:
    """The peak number of PostgreSQL backends on the test database, other than the test's own
    connections, sampled from pg_stat_activity while the load runs."""

    def __init__(self, exclude_pids: set[int]):
        self.exclude_pids = exclude_pids
        self.peak = 0
        self.at_peak = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        with psycopg.connect(current_database_url(), autocommit=True) as conn:
            excluded = [*self.exclude_pids, conn.info.backend_pid]
            while not self._stop.is_set():
                backends = conn.execute(
                    "SELECT pid, backend_start, application_name, state, query"
                    " FROM pg_stat_activity"
                    " WHERE datname = current_database() AND NOT (pid = ANY(%s))",
                    [excluded],
                ).fetchall()
                if len(backends) > self.peak:
                    self.peak, self.at_peak = len(backends), backends

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _hammer(server, headers: dict, clients: int = 32, rounds: int = 4) -> list[int]:
    with ThreadPoolExecutor(clients) as pool:
        return list(
            pool.map(
                lambda _: server.get("/api/v1/me/", headers=headers).status,
                range(clients * rounds),
            )
        )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("layout", "bound"),
    [
        # make run: a2wsgi's fixed pool of WEB_THREADS threads, one persistent connection each.
        ("make run", 3),
        # production HTTP: granian's WEB_THREADS blocking threads per worker, as many pooled.
        ("web", 3),
        # the websocket process: psycopg's pool, DATABASE_POOL_MAX_SIZE.
        ("ws", 2),
    ],
)
def test_database_connections_stay_within_the_configured_bound_under_load(
    transactional_db, tmp_path, layout, bound
):
    from django.db import connection

    user = UserFactory()
    bearer = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    env = {**UNLIMITED, "DATABASE_CONN_MAX_AGE": "60", "WEB_THREADS": "3"}
    log = tmp_path / "server.log"
    if layout == "make run":
        server = run_asgi_server(log, env=env)
    elif layout == "web":
        server = run_procfile_process("web", log, env=env, WEB_CONCURRENCY="1")
    else:
        server = run_procfile_process(
            "ws", log, env=env, WS_CONCURRENCY="1", DATABASE_POOL_MAX_SIZE="2"
        )

    with server as running, _BackendCounter({connection.connection.info.backend_pid}) as backends:
        statuses = _hammer(running, bearer)

    assert set(statuses) == {200}
    assert 0 < backends.peak <= bound, "\n".join(map(repr, backends.at_peak))


@pytest.mark.postgres
def test_the_web_process_keeps_its_bound_when_granian_retires_idle_threads(
    transactional_db, tmp_path
):
    from django.db import connection

    user = UserFactory()
    bearer = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    env = {
        **UNLIMITED,
        "DATABASE_CONN_MAX_AGE": "60",
        "WEB_THREADS": "3",
        # granian's shortest: idle threads end 5 s after their last request.
        "GRANIAN_BLOCKING_THREADS_IDLE_TIMEOUT": "5",
    }
    web = run_procfile_process("web", tmp_path / "web.log", env=env, WEB_CONCURRENCY="1")

    with web as running, _BackendCounter({connection.connection.info.backend_pid}) as backends:
        before = _hammer(running, bearer, rounds=2)
        time.sleep(7)  # a real server's idle timer: its threads end and new ones start
        after = _hammer(running, bearer, rounds=2)

    assert set(before + after) == {200}
    assert 0 < backends.peak <= 3, "\n".join(map(repr, backends.at_peak))
