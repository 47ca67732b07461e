"""Benchmark: the live feed at city scale, as deploy runs it, against the old layer (issue 14).

    .venv/bin/python bench/live_feed.py [--quick] [--sizes 1000,5000,10000] [--clients 4]
                                        [--burst 200] [--no-baseline] [--keep-db]

Needs PostgreSQL and Redis. DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jaki_bench)
names the server: the bench creates its own database `<name>_feed` and drops it at the end.
REDIS_URL (default redis://127.0.0.1:6379/0) is shared with the servers; the bench deletes only
the channel layer's own keys (`jaki:ws*`) in that database, before and after each server.

It creates residents with two signed-in phones each (a session and an access token per socket,
minted in bulk), then for each layout:
- starts it on loopback: the `ws:` line of deploy/Procfile (uvicorn, its workers, the layer
  `CHANNEL_LAYER` selects: pub/sub by default), then, as the baseline, the ws line before
  issue 14 (same uvicorn workers, uvicorn's defaults, channels-redis's core layer);
- opens the sockets from `--clients` client processes (asyncio + the `websockets` library,
  offering permessage-deflate as most websocket clients do), in bursts of `--burst` connects at
  once: the first 1,000 are the burst of the issue (connect rate, failures);
- at each size: the server's RSS (its whole process tree) against the same tree before any
  socket, then one `feed_broadcast_public()` and then one inbox-style event to every resident
  (`feed_send_to_users()`), each called from a separate process through the channel layer, as
  a Celery worker or a web request would. Every socket stamps each event on arrival; the
  latency is that stamp minus the sender's clock just before the call (same machine, one
  clock). Missed = open sockets without the event after 10 s; dropped = sockets the server
  closed or lost; foreign = a resident's event on another resident's socket.
- CPU per delivered event: the server tree's utime+stime over the delivery, per socket reached.

Targets (PASS/FAIL, exit 1 on a FAIL), for the new layout: the burst of 1,000 connects with 0
failures; the largest size held (every socket open at the end); the public broadcast at the
largest size reaches every socket, p99 < 2 s after the send, 0 missed, 0 dropped; every
resident's event reaches their sockets only; RSS growth < 60 MB per 1,000 sockets. The baseline
runs the 1,000 sockets the issue measured it with; its figures and the ratios are printed.
Clients and servers share the machine's cores: on a shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jaki_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PHONE_PREFIX = "+62899"  # the bench's residents: +62899 and 7 digits
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
WAIT_SECONDS = 10.0  # an event not there by then is missed
# deploy/Procfile's ws: line before issue 14, run with channels-redis's core layer.
BASELINE_WS = (
    "env DATABASE_POOL_MAX_SIZE=4 uvicorn jaki.asgi:application --host 127.0.0.1 --port {port} "
    "--no-proxy-headers --lifespan off --workers 2"
)

TARGET_BURST = 1000
TARGET_P99_SECONDS = 2.0
TARGET_MB_PER_1000 = 60.0


# --- the client process ---------------------------------------------------------------------


class Feed:
    """One socket of a resident's phone, and what arrived on it."""

    def __init__(self, token: str, user: str) -> None:
        self.token, self.user = token, user
        self.ws = None
        self.received: dict[str, float] = {}
        self.closed_code: int | None = None
        self.dropped = False
        self.closing = False

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        with contextlib.suppress(ConnectionClosed):  # its close code is read below
            async for text in self.ws:
                arrived = time.time()
                self.received[json.loads(text)["id"]] = arrived
        self.closed_code = self.ws.close_code
        self.dropped = not self.closing


async def client_main() -> None:
    """Commands on stdin, one JSON line each; one JSON answer per command on stdout."""
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    threading.Thread(
        target=lambda: [loop.call_soon_threadsafe(commands.put_nowait, line) for line in sys.stdin],
        daemon=True,
    ).start()
    feeds: list[Feed] = []
    readers = set()

    async def open_one(feed: Feed, url: str) -> str | None:
        try:
            feed.ws = await connect(
                f"{url}/ws/feed/?token={feed.token}", open_timeout=60, ping_interval=None,
                proxy=None, max_size=2**20,
            )  # fmt: skip
        except Exception as error:  # every failure counts, whatever its kind
            return f"{type(error).__name__}: {error}"[:200]
        task = asyncio.create_task(feed.read())
        readers.add(task)
        task.add_done_callback(readers.discard)
        return None

    def answer(payload: dict) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    while True:
        command = json.loads(await commands.get())
        if command["cmd"] == "connect":
            batch = [Feed(token, user) for token, user in command["items"]]
            started = time.monotonic()
            errors = await asyncio.gather(*(open_one(f, command["url"]) for f in batch))
            feeds += [f for f, e in zip(batch, errors, strict=True) if e is None]
            failed = [e for e in errors if e]
            answer({"ok": len(batch) - len(failed), "failed": len(failed), "errors": failed[:3],
                    "seconds": time.monotonic() - started})  # fmt: skip
        elif command["cmd"] == "expect":
            wanted = command["id"]
            per_user = command.get("per_user", False)

            def missing(wanted=wanted, per_user=per_user, feeds=feeds) -> list[Feed]:
                return [
                    f for f in feeds
                    if f.closed_code is None
                    and (f"{wanted}-{f.user}" if per_user else wanted) not in f.received
                ]  # fmt: skip

            deadline = time.monotonic() + command["timeout"]
            while missing() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            times, foreign = [], 0
            for f in feeds:
                own = f"{wanted}-{f.user}" if per_user else wanted
                if own in f.received:
                    times.append(f.received[own])
                if per_user:
                    foreign += sum(
                        1 for key in f.received if key.startswith(wanted + "-") and key != own
                    )
            answer({"times": times, "missed": len(missing()), "foreign": foreign})
        elif command["cmd"] == "status":
            codes: dict[str, int] = {}
            for f in feeds:
                if f.dropped:
                    codes[str(f.closed_code)] = codes.get(str(f.closed_code), 0) + 1
            answer({"open": sum(f.closed_code is None for f in feeds),
                    "dropped": sum(f.dropped for f in feeds), "codes": codes})  # fmt: skip
        elif command["cmd"] == "close":
            for f in feeds:
                f.closing = True
            await asyncio.gather(*(f.ws.close() for f in feeds), return_exceptions=True)
            answer({"closed": len(feeds)})
            return


class Client:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--client"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=env, text=True, bufsize=1,
        )  # fmt: skip

    def send(self, **command) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("a client process died")
        return json.loads(line)


def ask_all(clients: list[Client], commands: list[dict]) -> list[dict]:
    for client, command in zip(clients, commands, strict=True):
        client.send(**command)
    return [client.receive() for client in clients]


# --- the sender process: the platform's own calls, through the channel layer ----------------


def sender_main(kind: str, event_id: str) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from jaki.accounts.models import User
    from jaki.notifications.services import feed_broadcast_public, feed_send_to_users

    if kind == "public":
        sent_at = time.time()
        feed_broadcast_public(event={"type": "alert", "id": event_id, "headline": "Banjir"})
    else:
        users = User.objects.filter(phone__startswith=PHONE_PREFIX).values_list("public_id")
        events = [
            (pid, {"type": "notification", "id": f"{event_id}-{pid.hex}", "title": "Kabar"})
            for (pid,) in users
        ]
        sent_at = time.time()
        feed_send_to_users(events)
    print(json.dumps({"sent_at": sent_at, "call_seconds": time.time() - sent_at}))


def send(kind: str, event_id: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--send", kind, "--event-id", event_id],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- database and Redis ---------------------------------------------------------------------


def admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def forget_layer_keys(redis_url: str) -> None:
    """The core layer leaves group and channel keys; only ours go (never a FLUSHDB)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match="jaki:ws*", count=1000))
    for i in range(0, len(keys), 1000):
        client.delete(*keys[i : i + 1000])
    client.close()


def seed(sockets: int) -> list[tuple[str, str]]:
    """Residents with two phones each, a session per phone: (access token, user hex) a socket."""
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from jaki.accounts.models import Session, User
    from jaki.accounts.selectors import SESSION_CLAIM

    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        [User(phone=f"{PHONE_PREFIX}{i:07d}", name=f"Warga {i}") for i in range((sockets + 1) // 2)]
    )
    sessions = Session.objects.bulk_create(
        [Session(user=users[i // 2], refresh_jti=uuid.uuid4().hex) for i in range(sockets)]
    )
    feeds = []
    for session in sessions:
        token = AccessToken.for_user(session.user)
        token[SESSION_CLAIM] = str(session.public_id)
        feeds.append((str(token), session.user.public_id.hex))
    return feeds


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_ws_line(port: int) -> str:
    """deploy/Procfile's `ws:` line, ${VAR:-default} expanded as a shell would, on loopback."""
    line = next(
        row[3:] for row in (ROOT / "deploy" / "Procfile").read_text().splitlines()
        if row.startswith("ws:")
    )  # fmt: skip
    variables = {**os.environ, "PORT": str(port)}
    line = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: variables.get(m[1]) or (m[2] or ""), line)
    return line.replace("--host 0.0.0.0", "--host 127.0.0.1").strip()


@dataclass
class Stage:
    sockets: int
    connect_failed: int = 0
    connect_seconds: float = 0.0
    connect_errors: list[str] = field(default_factory=list)
    rss_mb: float = 0.0
    growth_mb_per_1000: float = 0.0
    public: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


@dataclass
class Layout:
    name: str
    line: str
    env: dict[str, str]
    stages: list[Stage] = field(default_factory=list)
    idle_rss_mb: float = 0.0
    open_at_end: int = 0
    dropped: int = 0
    drop_codes: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def tree_pids(root: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return tree


def tree_cpu_seconds(root: int) -> float:
    total = 0
    for pid in tree_pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / TICKS


def tree_rss_mb(root: int) -> float:
    total = 0
    for pid in tree_pids(root):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
        except OSError:
            continue
    return total / 1024


def start_server(argv: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                time.sleep(1)  # every worker up, not just the first
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz:\n{log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def error_lines(log: Path, most: int = 4) -> list[str]:
    found: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        line = re.sub(r"\d+", "N", line.strip())[:160]
        noisy = re.search(r"\b(INFO|DEBUG)\b", line)
        if not noisy and re.search(r"error|exception|timeout", line, re.I) and line not in found:
            found.append(line)
    return found[:most]


def deliver(kind: str, event_id: str, env, clients, server) -> dict:
    """One event through the platform's call; every socket's arrival, CPU over the delivery."""
    cpu = tree_cpu_seconds(server.pid)
    sent = send(kind, event_id, env)
    if "error" in sent:
        return {"error": sent["error"], "missed": None}
    answers = ask_all(
        clients,
        [{"cmd": "expect", "id": event_id, "per_user": kind == "users", "timeout": WAIT_SECONDS}]
        * len(clients),
    )
    cpu = tree_cpu_seconds(server.pid) - cpu
    latencies = sorted(t - sent["sent_at"] for a in answers for t in a["times"])
    reached = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(reached - 1, int(p * reached))] if reached else float("nan")

    return {
        "reached": reached,
        "missed": sum(a["missed"] for a in answers),
        "foreign": sum(a["foreign"] for a in answers),
        "p50": pct(0.50),
        "p99": pct(0.99),
        "max": latencies[-1] if latencies else float("nan"),
        "call": sent["call_seconds"],
        "cpu_ms_per_event": 1000 * cpu / reached if reached else float("nan"),
    }


def run_layout(layout, feeds, sizes, burst, client_count, tmp) -> None:
    port = free_port()
    line = layout.line.format(port=port) if "{port}" in layout.line else procfile_ws_line(port)
    layout.line = line
    argv = shlex.split(line)
    env = dict(layout.env)
    if argv[0] == "env":  # the Procfile's `env K=V …` prefix
        argv.pop(0)
        while "=" in argv[0]:
            key, _, value = argv.pop(0).partition("=")
            env[key] = value
    argv[0] = str(BIN / argv[0]) if (BIN / argv[0]).exists() else argv[0]
    forget_layer_keys(env["REDIS_URL"])
    log = tmp / f"{layout.name}.log"
    server = start_server(argv, env, port, log)
    clients = [Client(env) for _ in range(client_count)]
    try:
        layout.idle_rss_mb = tree_rss_mb(server.pid)
        opened = 0
        for size in sizes:
            stage = Stage(size)
            started = time.monotonic()
            while opened < size:
                chunk = feeds[opened : min(size, opened + burst)]
                slices = [chunk[i::client_count] for i in range(client_count)]
                answers = ask_all(
                    clients,
                    [
                        {"cmd": "connect", "url": f"ws://127.0.0.1:{port}", "items": s}
                        for s in slices
                    ],
                )
                for answer in answers:
                    stage.connect_failed += answer["failed"]
                    stage.connect_errors += answer["errors"][: 3 - len(stage.connect_errors)]
                opened += len(chunk)
            stage.connect_seconds = time.monotonic() - started
            time.sleep(1.0)  # let the last handshakes' work settle before measuring memory
            stage.rss_mb = tree_rss_mb(server.pid)
            open_now = sum(a["open"] for a in ask_all(clients, [{"cmd": "status"}] * client_count))
            stage.growth_mb_per_1000 = (
                (stage.rss_mb - layout.idle_rss_mb) / (open_now / 1000) if open_now else 0.0
            )
            stage.public = deliver("public", f"bench-public-{size}", env, clients, server)
            stage.users = deliver("users", f"bench-user-{size}", env, clients, server)
            layout.stages.append(stage)
            print(f"  {layout.name}: {describe(stage)}", flush=True)
        status = ask_all(clients, [{"cmd": "status"}] * client_count)
        layout.open_at_end = sum(a["open"] for a in status)
        layout.dropped = sum(a["dropped"] for a in status)
        for answer in status:
            for code, count in answer["codes"].items():
                layout.drop_codes[code] = layout.drop_codes.get(code, 0) + count
        ask_all(clients, [{"cmd": "close"}] * client_count)
    finally:
        for client in clients:
            client.process.kill()
            client.process.wait()
        stop_server(server)
        forget_layer_keys(env["REDIS_URL"])
        layout.errors = error_lines(log)


def describe(stage: Stage) -> str:
    rate = stage.sockets / stage.connect_seconds if stage.connect_seconds else 0
    text = (
        f"{stage.sockets:,} sockets, {stage.connect_failed} connect failures "
        f"({rate:,.0f} connects/s over the stage), RSS {stage.rss_mb:,.0f} MB "
        f"(+{stage.growth_mb_per_1000:.1f} MB per 1,000)"
    )
    for name, d in (("public", stage.public), ("per-user", stage.users)):
        if "error" in d:
            text += f"; {name}: send failed: {d['error']}"
        else:
            text += (
                f"; {name}: reached {d['reached']:,}, missed {d['missed']}, foreign "
                f"{d['foreign']}, p50 {d['p50']:.3f} s p99 {d['p99']:.3f} s max {d['max']:.3f} s "
                f"(send call {d['call']:.3f} s), CPU {d['cpu_ms_per_event']:.3f} ms per event"
            )
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 sockets only")
    parser.add_argument("--sizes", default="1000,5000,10000", help="socket counts, ascending")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--burst", type=int, default=200, help="connects at once")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--send", choices=["public", "users"], help=argparse.SUPPRESS)
    parser.add_argument("--event-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Every socket is a file descriptor, in the clients and in the server (children inherit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.client:
        asyncio.run(client_main())
        return 0
    if args.send:
        sender_main(args.send, args.event_id)
        return 0

    sizes = [TARGET_BURST] if args.quick else [int(s) for s in args.sizes.split(",")]
    began = time.monotonic()
    base = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not base.scheme.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL server.", file=sys.stderr)
        return 2
    db_url = base._replace(path=base.path.rstrip("/") + "_feed").geturl()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jaki.settings",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
        "PUSH_BACKEND": "log",
    }
    if max(sizes) > hard - 100:
        print(f"{max(sizes):,} sockets need more file descriptors than {hard} (ulimit -Hn)")
        return 2
    os.environ.update(env)
    recreate_database(db_url)
    tmp = Path(tempfile.mkdtemp(prefix="jaki-bench-feed-"))
    layouts = [Layout("deploy", "", {**env, "CHANNEL_LAYER": env.get("CHANNEL_LAYER", "pubsub")})]
    if not args.no_baseline:
        layouts.append(Layout("baseline", BASELINE_WS, {**env, "CHANNEL_LAYER": "core"}))
    try:
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections

        made = time.monotonic()
        feeds = seed(max(sizes))
        connections.close_all()
        print(
            f"{len(feeds):,} signed-in phones of {(len(feeds) + 1) // 2:,} residents in "
            f"{time.monotonic() - made:.1f} s; database {urlsplit(db_url).path[1:]}, Redis "
            f"{env['REDIS_URL']}; {args.clients} client processes, bursts of {args.burst}; "
            f"file descriptors {hard} per process"
        )
        for layout in layouts:
            layout_sizes = sizes if layout.name == "deploy" else [TARGET_BURST]
            run_layout(layout, feeds, layout_sizes, args.burst, args.clients, tmp)
            print(f"{layout.name} ({layout.env['CHANNEL_LAYER']} layer): {layout.line}")
    finally:
        if not args.keep_db:
            recreate_database(db_url, drop_only=True)
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    for layout in layouts:
        print(
            f"{layout.name}: idle RSS {layout.idle_rss_mb:.0f} MB; at the end "
            f"{layout.open_at_end:,} open, {layout.dropped} dropped {layout.drop_codes or ''}"
        )
        for error in layout.errors:
            print(f"  logged: {error}")

    deploy = layouts[0]
    largest = deploy.stages[-1]
    burst = deploy.stages[0]
    failed = False

    def target(ok: bool, text: str) -> None:
        nonlocal failed
        failed |= not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")

    print("\nTargets (deploy layout):")
    target(
        burst.connect_failed == 0,
        f"burst of {burst.sockets:,} connects in bursts of {args.burst}: "
        f"{burst.connect_failed} failures {burst.connect_errors or ''}",
    )
    target(
        deploy.open_at_end == largest.sockets and deploy.dropped == 0,
        f"{largest.sockets:,} sockets held: {deploy.open_at_end:,} open at the end, "
        f"{deploy.dropped} dropped",
    )
    public = largest.public
    target(
        "error" not in public and public["missed"] == 0 and public["reached"] == largest.sockets
        and public["p99"] < TARGET_P99_SECONDS and deploy.dropped == 0,
        f"public broadcast to {largest.sockets:,}: reached {public.get('reached')}, "
        f"missed {public.get('missed')}, p99 {public.get('p99', float('nan')):.3f} s (< 2 s)",
    )  # fmt: skip
    users = largest.users
    target(
        "error" not in users and users["reached"] == largest.sockets and users["foreign"] == 0,
        f"an event to each of {(largest.sockets + 1) // 2:,} residents: reached "
        f"{users.get('reached')}, missed {users.get('missed')}, on another's socket "
        f"{users.get('foreign')}, p99 {users.get('p99', float('nan')):.3f} s",
    )
    # Growth over the idle server divided by the sockets open: the first stage also carries
    # what any first sockets warm up (thread pool, database pool, imports); each is printed.
    target(
        largest.growth_mb_per_1000 < TARGET_MB_PER_1000,
        f"server memory at {largest.sockets:,} sockets: +{largest.growth_mb_per_1000:.1f} MB "
        f"per 1,000 over the idle server (< 60; by stage "
        f"{', '.join(f'{s.growth_mb_per_1000:.1f}' for s in deploy.stages)}); "
        f"{largest.rss_mb:,.0f} MB in all",
    )

    if len(layouts) > 1:
        old, new = layouts[1].stages[0], deploy.stages[0]

        def ratio(a, b) -> str:
            try:
                return f"{a / b:.2f}x"
            except (TypeError, ZeroDivisionError):
                return "n/a"

        print(f"\nBaseline at {old.sockets:,} sockets (core layer, old ws line) against deploy:")
        print(
            f"  connect failures: {old.connect_failed} vs {new.connect_failed}, e.g. "
            f"{old.connect_errors[:1]}"
        )
        for name in ("public", "users"):
            o, n = getattr(old, name), getattr(new, name)
            if "error" in o:
                print(f"  {name}: baseline send failed: {o['error']}")
                continue
            print(
                f"  {name}: reached {o['reached']} vs {n.get('reached')}, missed {o['missed']} vs "
                f"{n.get('missed')}; p99 {o['p99']:.3f} s vs {n.get('p99', float('nan')):.3f} s "
                f"(deploy/baseline {ratio(n.get('p99'), o['p99'])}); CPU per event "
                f"{o['cpu_ms_per_event']:.3f} vs {n.get('cpu_ms_per_event', float('nan')):.3f} ms "
                f"({ratio(n.get('cpu_ms_per_event'), o['cpu_ms_per_event'])})"
            )
        print(
            f"  memory per 1,000 sockets: {old.growth_mb_per_1000:.1f} vs "
            f"{new.growth_mb_per_1000:.1f} MB "
            f"({ratio(new.growth_mb_per_1000, old.growth_mb_per_1000)})"
            f"; dropped {layouts[1].dropped} vs {deploy.dropped}"
        )
    print(f"\nThe run took {time.monotonic() - began:.0f} s.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
