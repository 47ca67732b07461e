"""Benchmark: the HTTP API as deploy serves it, against Django's WSGI handler in-process (issue 13).

    .venv/bin/python bench/http_serving.py [--quick] [--duration 6] [--procfile P] [--keep-db]

Needs Debian's `wrk` (`apt-get install -y wrk`), PostgreSQL and Redis. DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jaki_bench) names the server: the bench creates its own
database `<name>_http` and drops it at the end. REDIS_URL defaults to redis://127.0.0.1:6379/0.

It migrates, seeds (`seed_demo`: the regions, the demo resident), adds a resident with a JWT and
a few inbox items, then in one run:
- the framework floor: CPU per request of Django's WSGI handler (`jaki.wsgi.application`)
  called in this process with a prepared environ, same database, same request;
- the production layout: the `web:` line of deploy/Procfile (so it measures what deploy runs,
  uvicorn or granian; `--procfile` measures another line), on loopback, `DEBUG=false`, throttles
  lifted with THROTTLE_*, WEB_CONCURRENCY and PORT as the line reads them;
- the baseline: `uvicorn` with Django's ASGI handler (bench/http_serving_asgi.py), the layout
  before issue 13, with DATABASE_CONN_MAX_AGE=0 so it cannot exhaust a shared PostgreSQL.
Each endpoint is driven by wrk at 1 and 32 connections (a generated Lua script sets method, body
and headers, and reports the counts and latency percentiles); the server's CPU is utime+stime
of its whole process tree from /proc, before and after, divided by the requests answered.
Finally 64 connections on /me while `pg_stat_activity` is polled for the bench database.

Targets (PASS/FAIL, exit 1 on a FAIL): server CPU per request at 32 connections <= 1.3x the
floor for every API endpoint and <= 2x for /healthz; /me req/s at 32 connections >= 4x the
baseline's; /me p99 < 30 ms at 1 connection; 64 connections: peak PostgreSQL backends within
the configured bound (granian: workers x blocking threads; a psycopg pool: workers x max_size)
and no non-2xx/3xx answer. wrk shares the machine's cores with the server: on a loaded machine
req/s and latency drop, CPU per request much less.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jaki_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PHONE = "+6281377700042"
DEVICE_TOKEN = "bench-http-serving-device-token"
# Per second, not per minute: DRF keeps (and reads and writes through the cache) one timestamp
# per request in the window, so a per-minute window would grow with the load to tens of
# thousands; a one-second window holds about what production's 240/min does.
LIFTED = "1000000/s"
TICKS = os.sysconf("SC_CLK_TCK")
BASELINE_WORKERS = 4  # deploy/Procfile's `--workers ${WEB_CONCURRENCY:-4}` before issue 13

TARGET_API_RATIO = 1.3
TARGET_HEALTHZ_RATIO = 2.0
TARGET_ME_SPEEDUP = 4.0
TARGET_ME_P99_MS = 30.0


@dataclass
class Endpoint:
    label: str
    method: str
    path: str
    auth: bool = False
    body: bytes = b""

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


ENDPOINTS = [
    Endpoint("GET /healthz", "GET", "/healthz"),
    Endpoint("GET /regions/locate/", "GET", "/api/v1/regions/locate/?lat=-6.1754&lon=106.8272"),
    Endpoint("GET /me/", "GET", "/api/v1/me/", auth=True),
    Endpoint("GET /notifications/", "GET", "/api/v1/notifications/", auth=True),
    Endpoint(
        "POST /devices/",
        "POST",
        "/api/v1/devices/",
        auth=True,
        body=json.dumps(
            {"token": DEVICE_TOKEN, "platform": "android", "lat": -6.1754, "lon": 106.8272}
        ).encode(),
    ),
]
ME = ENDPOINTS[2]


@dataclass
class Load:
    """One wrk run and the server CPU it cost."""

    requests: int
    seconds: float
    non_2xx_3xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.requests else float("inf")


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    workers: int
    process: subprocess.Popen | None = None
    log: Path | None = None
    results: dict[tuple[str, int], Load] = field(default_factory=dict)


# --- database -------------------------------------------------------------------------------


def admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class BackendPoller:
    """Polls pg_stat_activity for the bench database's backends and keeps the peak."""

    def __init__(self, url: str, exclude: set[int]) -> None:
        self.url, self.name, self.exclude = admin_url(url), urlsplit(url).path.lstrip("/"), exclude
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> ALL(%s)",
                    (self.name, list(self.exclude)),
                ).fetchone()
                self.peak = max(self.peak, count)
                self._stop.wait(0.02)

    def __enter__(self) -> BackendPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


# --- the server processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web_argv(procfile_path: Path, port: int) -> list[str]:
    """The Procfile's `web:` command with ${VAR:-default} expanded, bound to loopback."""
    procfile = procfile_path.read_text()
    line = next(row[4:] for row in procfile.splitlines() if row.startswith("web:"))
    variables = {**os.environ, "PORT": str(port)}
    line = re.sub(
        r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)",
        lambda m: variables.get(m[1] or m[3]) or (m[2] or ""),
        line,
    )
    argv = shlex.split(line)
    for i, arg in enumerate(argv):
        if arg in ("--host", "-h", "--bind", "-b") and i + 1 < len(argv):
            argv[i + 1] = "127.0.0.1" if arg in ("--host", "-h") else f"127.0.0.1:{port}"
        elif arg.startswith("--host="):
            argv[i] = "--host=127.0.0.1"
    if (BIN / argv[0]).exists():
        argv[0] = str(BIN / argv[0])
    elif not shutil.which(argv[0]):
        raise SystemExit(f"{argv[0]} (the web: line's server) is not installed: make install")
    return argv


def option(argv: list[str], name: str, default: str | None = None) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def env_prefix(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split a Procfile command `env K=V … server …` into its assignments and the server's argv."""
    if Path(argv[0]).name != "env":
        return {}, argv
    assignments = {}
    rest = argv[1:]
    while rest and "=" in rest[0] and not rest[0].startswith("-"):
        key, value = rest.pop(0).split("=", 1)
        assignments[key] = value
    return assignments, rest


def connection_bound(argv: list[str], workers: int) -> tuple[int | None, str]:
    """The most PostgreSQL backends the layout may open, and how that follows from settings."""
    from django.conf import settings

    assignments, argv = env_prefix(argv)
    per_worker, how = None, []
    pool_size = int(
        assignments.get("DATABASE_POOL_MAX_SIZE") or os.environ.get("DATABASE_POOL_MAX_SIZE") or 0
    )
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if pool_size:
        per_worker, how = pool_size, [f"pool max_size {pool_size} (DATABASE_POOL_MAX_SIZE)"]
    elif pool:
        # psycopg_pool's ConnectionPool: max_size defaults to min_size, which defaults to 4.
        size = pool.get("max_size") or pool.get("min_size", 4) if isinstance(pool, dict) else 4
        per_worker, how = size, [f"pool max_size {size}"]
    if Path(argv[0]).name == "granian" and (option(argv, "--interface") or "rsgi") == "wsgi":
        # granian's own defaults (granian/server/common.py): backpressure = backlog / workers,
        # WSGI blocking threads = backpressure / 2; each thread holds at most one connection.
        backlog = int(option(argv, "--backlog", os.environ.get("GRANIAN_BACKLOG", "1024")))
        backpressure = int(
            option(argv, "--backpressure", os.environ.get("GRANIAN_BACKPRESSURE", "0"))
            or max(128, backlog) // workers
        )
        threads = int(
            option(argv, "--blocking-threads", os.environ.get("GRANIAN_BLOCKING_THREADS", "0"))
            or max(1, backpressure // 2)
        )
        if per_worker is None or threads < per_worker:
            per_worker, how = threads, [f"{threads} blocking threads"]
    if per_worker is None:
        return None, "none configured"
    return workers * per_worker, f"{workers} workers x {how[0]}"


def start(server: Server, env: dict[str, str], tmp: Path) -> None:
    server.log = tmp / f"{server.name}.log"
    with server.log.open("wb") as log:
        server.process = subprocess.Popen(
            server.argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{server.name} did not answer /healthz:\n{server.log.read_text()[-3000:]}")


def stop(server: Server) -> None:
    if server.process and server.process.poll() is None:
        os.killpg(server.process.pid, 15)
        try:
            server.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, 9)
            server.process.wait()


def error_lines(server: Server, most: int = 3) -> list[str]:
    """A few distinct error lines of the server's log: what the non-2xx answers were."""
    found: list[str] = []
    for line in server.log.read_text(errors="replace").splitlines():
        line = re.sub(r"\d+", "N", line.strip())[:160]
        noisy = re.search(r"\b(INFO|DEBUG)\b", line)
        if not noisy and re.search(r"error|fatal|exception", line, re.I) and line not in found:
            found.append(line)
    return found[:most]


def tree_cpu_seconds(root: int) -> float:
    """utime+stime of a process and all its descendants, from /proc."""
    parents, ticks = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid], ticks[pid] = int(fields[1]), int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(ticks.get(pid, 0) for pid in tree) / TICKS


# --- load -----------------------------------------------------------------------------------


def lua_script(endpoint: Endpoint, token: str, tmp: Path) -> Path:
    """The wrk script: method, body and headers, and a machine-readable summary at the end."""
    lines = [f'wrk.method = "{endpoint.method}"']
    if endpoint.body:
        lines += [
            f"wrk.body = {json.dumps(endpoint.body.decode())}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    if endpoint.auth:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines.append(
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests,\n'
        "    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,\n"
        "    latency:percentile(50), latency:percentile(99)))\n"
        "end"
    )
    path = tmp / f"{endpoint.method}{endpoint.path.replace('/', '_').split('?')[0]}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def drive(server: Server, endpoint: Endpoint, connections: int, seconds: int, lua: Path) -> Load:
    url = f"http://127.0.0.1:{server.port}{endpoint.path}"
    threads = min(connections, 2)
    # --timeout 10s: a slow answer counts in the latency instead of as a socket error.
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    argv += ["--latency", "-s", lua]
    before = tree_cpu_seconds(server.process.pid)
    out = subprocess.run([*map(str, argv), url], capture_output=True, text=True, check=True)
    cpu = tree_cpu_seconds(server.process.pid) - before
    summary = next(line for line in out.stdout.splitlines() if line.startswith("BENCH "))
    requests, micros, status, sockets, p50, p99 = (int(v) for v in summary.split()[1:])
    return Load(requests, micros / 1e6, status, sockets, p50 / 1000, p99 / 1000, cpu)


# --- the floor: Django's WSGI handler in this process ---------------------------------------


def floor_cpu_ms(endpoint: Endpoint, token: str, seconds: float) -> float:
    """CPU per request of `jaki.wsgi.application` called here: what serving cannot go below."""
    from jaki.wsgi import application

    path, _, query = endpoint.path.partition("?")
    base = {
        "REQUEST_METHOD": endpoint.method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if endpoint.body:
        base |= {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(endpoint.body))}
    if endpoint.auth:
        base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    def call() -> None:
        response = application(base | {"wsgi.input": io.BytesIO(endpoint.body)}, start_response)
        try:
            b"".join(response)
        finally:
            response.close()

    for _ in range(30):
        call()
    if not statuses[-1].startswith("2"):
        raise SystemExit(f"{endpoint.label} answered {statuses[-1]} in-process")
    count, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        call()
        count += 1
    return 1000 * (time.process_time() - started) / count


# --- the run --------------------------------------------------------------------------------


def seed() -> str:
    """Demo data, a resident with a few inbox items; returns the resident's access token."""
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from jaki.accounts.models import User
    from jaki.notifications import services

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)  # as deploy's image does
    user = User.objects.create_user(phone=PHONE, name="Bench")
    for i in range(5):
        services.notify(
            kind="bench",
            title={"id": f"Kabar {i}", "en": f"News {i}"},
            body={"id": "Isi kabar", "en": "The news"},
            users=[user],
        )
    return str(AccessToken.for_user(user))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 s per measurement (smoke run)")
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument(
        "--procfile", type=Path, default=ROOT / "deploy" / "Procfile", help="whose web: line"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database")
    args = parser.parse_args()
    seconds = 1 if args.quick else args.duration
    began = time.monotonic()
    floor_seconds = 0.4 if args.quick else 2.0

    if not shutil.which("wrk"):
        print("This bench drives the server with wrk: apt-get install -y wrk", file=sys.stderr)
        return 2

    base = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not base.scheme.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL server.", file=sys.stderr)
        return 2
    db_url = base._replace(path=base.path.rstrip("/") + "_http").geturl()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jaki.settings",
        # The Procfile names its servers bare (`env … granian …`), as a container's PATH has them.
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
        "PUSH_BACKEND": "log",
        **{f"THROTTLE_{s}": LIFTED for s in ("ANON", "USER", "OTP_IP", "TOKEN_IP")},
    }
    os.environ.update(env)
    recreate_database(db_url)
    tmp = Path(tempfile.mkdtemp(prefix="jaki-bench-http-"))
    servers: list[Server] = []
    try:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection

        token = seed()
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_connections")
            (max_connections,) = cursor.fetchone()
        print(
            f"Database: {connection.settings_dict['NAME']} (server max_connections "
            f"{max_connections}), Redis {env['REDIS_URL']}"
        )
        own_pid = connection.cursor().connection.info.backend_pid

        print(f"Floor: jaki.wsgi.application in-process, {floor_seconds} s CPU per endpoint")
        floor = {e.label: floor_cpu_ms(e, token, floor_seconds) for e in ENDPOINTS}
        connection.close()
        scripts = {e.label: lua_script(e, token, tmp) for e in ENDPOINTS}

        port = free_port()
        web_argv = procfile_web_argv(args.procfile, port)
        workers = int(option(web_argv, "--workers", "1"))
        web = Server("web", web_argv, port, workers)
        baseline_port = free_port()
        baseline_workers = int(os.environ.get("WEB_CONCURRENCY") or BASELINE_WORKERS)
        baseline = Server(
            "baseline",
            [str(BIN / "uvicorn"), "http_serving_asgi:application", "--factory",
             "--app-dir", str(ROOT / "bench"), "--host", "127.0.0.1",
             "--port", str(baseline_port), "--no-proxy-headers",
             "--workers", str(baseline_workers), "--log-level", "warning"],
            baseline_port,
            baseline_workers,
        )  # fmt: skip
        servers += [web, baseline]
        bound, bound_how = connection_bound(web_argv, workers)

        print(f"Production layout ({args.procfile.name} web:): {shlex.join(web_argv)}")
        start(web, env, tmp)
        peak_all = 0
        with BackendPoller(db_url, {own_pid}) as poller:
            for endpoint in ENDPOINTS:
                if not args.quick or endpoint is ENDPOINTS[0]:
                    drive(web, endpoint, 4, 1, scripts[endpoint.label])  # warm every worker
                for connections in (1, 32):
                    web.results[endpoint.label, connections] = drive(
                        web, endpoint, connections, seconds, scripts[endpoint.label]
                    )
            peak_all = poller.peak
        with BackendPoller(db_url, {own_pid}) as poller:
            crowd = drive(web, ME, 64, seconds, scripts[ME.label])
        peak_64 = poller.peak
        stop(web)
        web_errors = error_lines(web)

        print(
            "Baseline (Django's ASGI handler, DATABASE_CONN_MAX_AGE=0 so that it cannot exhaust"
            f" a shared PostgreSQL): {shlex.join(baseline.argv)}"
        )
        start(baseline, env | {"DATABASE_CONN_MAX_AGE": "0"}, tmp)
        drive(baseline, ME, 4, 1, scripts[ME.label])
        for connections in (32,) if args.quick else (1, 32):
            baseline.results[ME.label, connections] = drive(
                baseline, ME, connections, seconds, scripts[ME.label]
            )
        stop(baseline)
        baseline_errors = error_lines(baseline)
    finally:
        for server in servers:
            stop(server)
        from django.db import connections as all_connections

        all_connections.close_all()
        if not args.keep_db:
            recreate_database(db_url, drop_only=True)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{seconds:g} s per run; CPU = server process tree (utime+stime) / requests answered")
    header = (
        f"{'server':<9}{'endpoint':<22}{'conns':>5}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'non2xx':>7}{'CPU ms/req':>11}{'floor ms':>9}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for server in (web, baseline):
        for (label, connections), load in server.results.items():
            print(
                f"{server.name:<9}{label:<22}{connections:>5}{load.rate:>9,.0f}"
                f"{load.p50_ms:>8.1f}{load.p99_ms:>8.1f}{load.non_2xx_3xx + load.socket_errors:>7}"
                f"{load.cpu_ms:>11.3f}{floor[label]:>9.3f}{load.cpu_ms / floor[label]:>6.2f}x"
            )

    for server, errors in ((web, web_errors), (baseline, baseline_errors)):
        if errors:
            print(f"\n{server.name} logged errors, e.g.:\n  " + "\n  ".join(errors))

    print("\nTargets:")
    failed = False

    def target(ok: bool, text: str) -> None:
        nonlocal failed
        failed |= not ok
        print(f"  {verdict(ok)}  {text}")

    for endpoint in ENDPOINTS:
        ratio = web.results[endpoint.label, 32].cpu_ms / floor[endpoint.label]
        limit = TARGET_API_RATIO if endpoint.is_api else TARGET_HEALTHZ_RATIO
        target(ratio <= limit, f"{endpoint.label}: serving CPU {ratio:.2f}x floor (<= {limit}x)")
    me, before = web.results[ME.label, 32].rate, baseline.results[ME.label, 32].rate
    speedup = me / before if before else float("inf")
    target(
        speedup >= TARGET_ME_SPEEDUP,
        f"/me at 32 connections: {me:,.0f} req/s, {speedup:.2f}x the baseline's {before:,.0f}"
        f" (>= {TARGET_ME_SPEEDUP:g}x)",
    )
    p99 = web.results[ME.label, 1].p99_ms
    target(p99 < TARGET_ME_P99_MS, f"/me at 1 connection: p99 {p99:.1f} ms (< 30 ms)")
    errors = crowd.non_2xx_3xx + crowd.socket_errors
    target(
        errors == 0,
        f"/me at 64 connections: {crowd.rate:,.0f} req/s, {crowd.non_2xx_3xx} non-2xx/3xx, "
        f"{crowd.socket_errors} socket errors",
    )
    target(
        bound is not None and max(peak_64, peak_all) <= bound,
        f"PostgreSQL backends: peak {peak_64} at 64 connections ({peak_all} over the earlier "
        f"runs), bound {bound if bound is not None else 'none'} ({bound_how})",
    )
    print(f"\nThe run took {time.monotonic() - began:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
