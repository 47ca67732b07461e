"""Benchmark: one `notify(everyone=True)` through real Celery workers, firebase-admin's messages
and the push transport (aiohttp).

Claim: a broadcast reaches the fake FCM server at >= 1,000 messages/s and at least half the
rate a bare HTTP client gets from the same fake, and a worker's peak memory does not grow with
the number of devices (100,000 within ~10% of 10,000).

    .venv/bin/python bench/push_fanout.py [--devices 100000] [--also 10000] [--workers 2]
        [--concurrency 64] [--chunk-size 500] [--pool prefork|threads] [--prefetch 1]

PostgreSQL-backed (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/jaki_bench, created
when missing, migrated) and Redis-backed (REDIS_URL, else redis://127.0.0.1:6379/14; that
database is flushed first so old tasks don't interfere).

1. Starts ``python -m tests.fakes.fcm --no-record-bodies`` as its own process and writes a
   service account for it (the SDK's real OAuth flow hits the fake's /token).
2. Measures the bare client against that fake (`measure_bare_client`) and, for reference, the
   worker's own transport alone (`measure_transport`: aiohttp, no Django, no database) and a
   thread pool of requests Sessions (what firebase-admin's own `messaging.send` uses).
3. For each size (--also, then --devices): replaces the bench users and devices (COPY), starts
   ``celery -A jaki worker -Q push`` with the firebase backend aimed at the fake, calls
   ``notify(everyone=True, inbox=False)`` once from this process (the task goes through Redis)
   and waits until the notification is done and the fake counted every send.
4. Reports rates, latencies, the notification's counts, the workers' peak memory (VmHWM
   from /proc, sampled until the end) and where the CPU went from notify() to done (per
   process, from /proc: worker, fake, PostgreSQL, Redis, and the rest of the machine, so other
   load on a shared machine shows), then PASS/FAIL per target. Exits with 1 on a FAIL.

Workers run with DEBUG=false, as in production: with the development default (DEBUG on) Django
keeps the last 9,000 SQL statements of each connection, which a worker never clears, so its
memory grows with the size of the broadcast until that cap.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fake_fcm_bare import (
    fake_fcm_process,
    measure_bare_client,
    measure_requests_threads,
    measure_transport,
    timed,
)
from bench.regions_locate import DEFAULT_DATABASE_URL, ensure_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PROJECT = "jaki-bench"
SOURCE = "bench"  # Notification.source of the bench's notifications
BENCH_NAME = "bench-push"  # User.name of the bench's users
PHONE_PREFIX = "+62899"
BARE_REQUESTS, BARE_CONCURRENCY = 20_000, 64
SDK_REQUESTS = 5_000
TARGET_RATE = 1_000
TARGET_RATIO = 0.5
TARGET_BARE = 2_000
MEMORY_TOLERANCE, MEMORY_SLACK_KB = 0.10, 5 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


# --- The environment, before Django loads ---------------------------------------------------


def bench_env(args: argparse.Namespace, database_url: str, redis_url: str) -> dict[str, str]:
    """What this process and the workers share: the databases, real Celery, quiet logs."""
    return {
        "DJANGO_SETTINGS_MODULE": "jaki.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PUSH_SEND_CONCURRENCY": str(args.concurrency),
        "PUSH_CHUNK_SIZE": str(args.chunk_size),
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- Devices ---------------------------------------------------------------------------------


def fcm_token(rng: random.Random) -> str:
    """A registration token shaped like FCM's: a 22-character instance id, ':APA91b', and
    134 more base64url characters (163 in all)."""
    raw = base64.urlsafe_b64encode(rng.randbytes(117)).decode().rstrip("=")
    return f"{raw[:22]}:APA91b{raw[22:156]}"


def clear_bench_rows() -> None:
    """Forget earlier runs: the bench's notifications (their deliveries go with them), then its
    users' deliveries, inbox rows and devices, then the users."""
    from django.db import connection, transaction

    from jaki.accounts.models import User
    from jaki.notifications.models import Delivery, Device, InboxItem, Notification

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    users = f"SELECT id FROM {table(User)} WHERE name = %s"
    devices = f"SELECT id FROM {table(Device)} WHERE user_id IN ({users})"
    with transaction.atomic(), connection.cursor() as cursor:
        Notification.objects.filter(source=SOURCE).delete()
        cursor.execute(
            f"DELETE FROM {table(Delivery)} WHERE device_id IN ({devices})", [BENCH_NAME]
        )
        cursor.execute(f"DELETE FROM {table(InboxItem)} WHERE user_id IN ({users})", [BENCH_NAME])
        cursor.execute(f"DELETE FROM {table(Device)} WHERE user_id IN ({users})", [BENCH_NAME])
        cursor.execute(f"DELETE FROM {table(User)} WHERE name = %s", [BENCH_NAME])


def create_devices(n: int, seed: int, where=None) -> float:
    """N users with one active device each, by COPY; returns the seconds it took. `where`,
    given, places each device: `where(rng) -> (lat, lon)` (bench/alert_broadcast.py)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jaki.accounts.models import User
    from jaki.notifications.models import Device

    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        user_columns = (
            "password, is_superuser, public_id, phone, name, language, is_staff, is_active, "
            "date_joined"
        )
        languages = ["en" if rng.random() < 0.3 else "id" for _ in range(n)]
        with cursor.copy(f"COPY {quote(User._meta.db_table)} ({user_columns}) FROM STDIN") as copy:
            for i, language in enumerate(languages):
                copy.write_row(
                    (
                        "!bench",
                        False,
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        f"{PHONE_PREFIX}{i:08d}",
                        BENCH_NAME,
                        language,
                        False,
                        True,
                        now,
                    )
                )
        cursor.execute(
            f"SELECT id FROM {quote(User._meta.db_table)} WHERE name = %s ORDER BY phone",
            [BENCH_NAME],
        )
        user_ids = [row[0] for row in cursor.fetchall()]
        device_columns = (
            "token, fid, user_id, platform, language, app_version, topic, is_active, is_test, "
            "created_at, last_seen_at, deactivation_reason, lat, lon"
        )
        with cursor.copy(
            f"COPY {quote(Device._meta.db_table)} ({device_columns}) FROM STDIN"
        ) as copy:
            for user_id, language in zip(user_ids, languages, strict=True):
                draw = rng.random()
                platform = "android" if draw < 0.75 else "ios" if draw < 0.97 else "web"
                copy.write_row(
                    (
                        fcm_token(rng),
                        "",
                        user_id,
                        platform,
                        language,
                        rng.choice(["3.14.0", "3.15.2", "3.16.1"]),
                        "",
                        True,
                        False,
                        now,
                        now,
                        "",
                        *(where(rng) if where else (None, None)),
                    )
                )
        cursor.execute(f"ANALYZE {quote(User._meta.db_table)}")
        cursor.execute(f"ANALYZE {quote(Device._meta.db_table)}")
    return time.perf_counter() - started


# --- Workers and their memory ------------------------------------------------------------------


def read_status_kb(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS (kB) of a live process, from /proc; {} when it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return {}
    return values


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (every thread's /proc children list)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(c) for c in task.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return children


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used, from /proc; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle, not waiting on I/O) since boot."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def fake_pid() -> int | None:
    """The fake FCM server this process started (fake_fcm_process yields only its URL)."""
    for pid in child_pids(os.getpid()):
        try:
            if b"tests.fakes.fcm" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except FileNotFoundError:
            continue
    return None


def server_pids() -> dict[str, int]:
    """The PostgreSQL postmaster and the Redis server on this machine, found by name."""
    found: dict[str, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if name == "postgres" and ppid == 1:
            found["postgres"] = int(stat.parent.name)
        elif name.startswith("redis-server"):
            found["redis"] = int(stat.parent.name)
    return found


def server_cpu_seconds(pid: int | None) -> float:
    """A server's CPU including its children, live (backends) and reaped (cutime, cstime)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    return cpu_seconds(pid) + reaped + sum(cpu_seconds(child) for child in child_pids(pid))


def cpu_snapshot(worker_pid: int, fake: int | None, servers: dict[str, int]) -> dict[str, float]:
    children = child_pids(worker_pid)
    return {
        "worker children": sum(cpu_seconds(pid) for pid in children),
        "worker main process": cpu_seconds(worker_pid),
        "fake FCM": cpu_seconds(fake) if fake else 0.0,
        "PostgreSQL (all clients)": server_cpu_seconds(servers.get("postgres")),
        "Redis": server_cpu_seconds(servers.get("redis")),
        "bench process (polling)": cpu_seconds(os.getpid()),
        "machine, all processes": machine_busy_seconds(),
    }


class MemorySampler(threading.Thread):
    """Samples the peak memory (VmHWM) of the worker's main process and of its children."""

    def __init__(self, main_pid: int, interval: float = 0.25):
        super().__init__(name="memory-sampler", daemon=True)
        self.main_pid = main_pid
        self.interval = interval
        self.main_kb = 0
        self.children_kb: dict[int, int] = {}  # pid -> VmHWM, kept when the child is gone
        self._halt = threading.Event()

    def sample(self) -> None:
        self.main_kb = max(self.main_kb, read_status_kb(self.main_pid).get("VmHWM", 0))
        for pid in child_pids(self.main_pid):
            hwm = read_status_kb(pid).get("VmHWM", 0)
            self.children_kb[pid] = max(self.children_kb.get(pid, 0), hwm)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self.sample()
        self._halt.set()
        self.join(timeout=5)


@dataclass
class Workers:
    process: subprocess.Popen
    node: str
    log: Path
    sampler: MemorySampler = field(init=False)


def start_workers(args: argparse.Namespace, env: dict[str, str], node: str, log: Path) -> Workers:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "jaki",
        "worker",
        "-Q",
        "push",
        "--pool",
        args.pool,
        "--concurrency",
        str(args.workers),
        "--prefetch-multiplier",
        str(args.prefetch),
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
        "-n",
        node,
    ]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops its children
        )
    workers = Workers(process, node, log)
    workers.sampler = MemorySampler(process.pid)
    workers.sampler.start()
    return workers


def wait_ready(workers: Workers, timeout: float = 60.0) -> float:
    """Ping the worker through the broker until it answers; returns the seconds it took."""
    from jaki.celery import app

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if workers.process.poll() is not None:
            raise RuntimeError(
                f"the worker exited ({workers.process.returncode}):\n{tail(workers)}"
            )
        replies = app.control.ping(destination=[workers.node], timeout=0.5)
        if any(workers.node in reply for reply in replies):
            return time.perf_counter() - started
    raise RuntimeError(f"the worker did not answer a ping in {timeout:.0f}s:\n{tail(workers)}")


def stop_workers(workers: Workers) -> None:
    """SIGTERM (warm shutdown) to the worker, SIGKILL to its process group after 20s."""
    process = workers.process
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    workers.sampler.stop()
    # Children left over (they belong to the group we started): make sure none survive.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while (left := group_members(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        raise RuntimeError(f"worker processes {left} did not stop")


def group_members(pgid: int) -> list[int]:
    """Live processes (zombies aside) in a process group, from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def tail(workers: Workers, lines: int = 30) -> str:
    try:
        return "\n".join(workers.log.read_text().splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# --- One run -----------------------------------------------------------------------------------


@dataclass
class Result:
    devices: int
    seed_seconds: float
    ready_seconds: float
    notify_at: float
    done_at: float
    fake: dict
    counts: dict
    cpu: dict[str, float]  # CPU seconds from notify() until done, by process
    main_kb: int
    children_kb: dict[int, int]

    @property
    def first_at(self) -> float:
        return self.fake["first_at"]

    @property
    def last_at(self) -> float:
        return self.fake["last_at"]

    @property
    def steady_rate(self) -> float:
        return self.devices / max(self.last_at - self.first_at, 1e-9)

    @property
    def end_to_end_rate(self) -> float:
        return self.devices / max(self.last_at - self.notify_at, 1e-9)

    @property
    def cpu_rest(self) -> float:
        """Busy CPU no listed process accounts for: the kernel, and whatever else runs here."""
        machine = self.cpu["machine, all processes"]
        return machine - sum(v for k, v in self.cpu.items() if k != "machine, all processes")

    @property
    def child_peak_kb(self) -> int:
        return max(self.children_kb.values(), default=0)

    @property
    def worker_peak_kb(self) -> int:
        """The worker whose memory the claim is about: a pool child (prefork), else the main
        process (threads pool: the sends run there)."""
        return self.child_peak_kb or self.main_kb


def run_size(
    n: int, args: argparse.Namespace, env: dict[str, str], fake_url: str, tmp: Path
) -> Result:
    import requests

    from jaki.notifications.models import Device
    from jaki.notifications.services import notify

    print(f"\n--- {n:,} devices ---", flush=True)
    requests.post(f"{fake_url}/_fake/reset", timeout=10).raise_for_status()
    clear_bench_rows()
    seed_seconds = create_devices(n, args.seed + n)
    active = Device.objects.filter(is_active=True).count()
    if active != n:
        raise RuntimeError(
            f"{active:,} active devices in the database, expected the bench's {n:,}: "
            "another app's devices would be notified too; use a database of its own"
        )
    print(f"  {n:,} users and devices created in {seed_seconds:.1f}s", flush=True)

    node = f"bench-push-{n}-{os.getpid()}@{socket.gethostname()}"
    workers = start_workers(args, env, node, tmp / f"worker-{n}.log")
    try:
        ready_seconds = wait_ready(workers)
        print(
            f"  worker {args.pool} x{args.workers} ready in {ready_seconds:.1f}s "
            f"(pid {workers.process.pid}, children {child_pids(workers.process.pid)})",
            flush=True,
        )
        fake, servers = fake_pid(), server_pids()
        cpu_before = cpu_snapshot(workers.process.pid, fake, servers)
        notify_at = time.time()
        notification = notify(
            kind="alert",
            title={"id": "Uji siaran JAKI", "en": "JAKI broadcast test"},
            body={
                "id": "Tinggi muka air Pintu Air Manggarai 850 cm (Siaga 2). Hindari bantaran.",
                "en": "Manggarai floodgate at 850 cm (alert level 2). Keep away from the river.",
            },
            everyone=True,
            priority="high",
            inbox=False,
            source=SOURCE,
        )
        stats, counts = wait_done(notification.pk, n, fake_url, workers, args.timeout)
        done_at = time.time()
        workers.sampler.sample()
        cpu_after = cpu_snapshot(workers.process.pid, fake, servers)
    finally:
        stop_workers(workers)
    result = Result(
        devices=n,
        seed_seconds=seed_seconds,
        ready_seconds=ready_seconds,
        notify_at=notify_at,
        done_at=done_at,
        fake=stats,
        counts=counts,
        cpu={key: cpu_after[key] - cpu_before[key] for key in cpu_before},
        main_kb=workers.sampler.main_kb,
        children_kb=dict(workers.sampler.children_kb),
    )
    print(
        f"  {counts['state']} after {done_at - notify_at:.1f}s; workers stopped, none left",
        flush=True,
    )
    return result


def wait_done(
    notification_id: int, n: int, fake_url: str, workers: Workers, timeout: float
) -> tuple[dict, dict]:
    """Poll the record and the fake until the notification is done and the fake counted n
    sends (or more: duplicates would show)."""
    import requests

    from jaki.notifications.models import Notification

    fields = (
        "state",
        "targeted",
        "sent",
        "failed",
        "pruned",
        "first_sent_at",
        "last_sent_at",
        "planned_at",
    )
    started = time.monotonic()
    next_report = started + 10
    while True:
        counts = Notification.objects.filter(pk=notification_id).values(*fields).get()
        fake = requests.get(f"{fake_url}/_fake/stats", timeout=10).json()
        if counts["state"] == Notification.State.DONE and fake["sends"] >= n:
            return fake, counts
        if workers.process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{tail(workers)}")
        now = time.monotonic()
        if now - started > timeout:
            raise RuntimeError(
                f"not done after {timeout:.0f}s: {counts}, fake {fake}\n{tail(workers)}"
            )
        if now >= next_report:
            print(
                f"  ... {now - started:4.0f}s: fake {fake['sends']:,} sends, record "
                f"{counts['state']} sent {counts['sent']:,}/{counts['targeted']:,}",
                flush=True,
            )
            next_report = now + 10
        time.sleep(0.2)


# --- Reporting ---------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def mb(kb: int) -> str:
    return f"{kb / 1024:,.1f} MB" if kb else "-"


def at(moment: datetime | None, origin: float) -> str:
    return "-" if moment is None else f"+{moment.timestamp() - origin:.2f}s"


def report(
    results: list[Result], bare: float, transport: float, sdk: float, args: argparse.Namespace
) -> bool:
    print("\n=== Results ===")
    print(
        f"worker: celery --pool {args.pool} --concurrency {args.workers} "
        f"--prefetch-multiplier {args.prefetch}; PUSH_SEND_CONCURRENCY={args.concurrency}, "
        f"PUSH_CHUNK_SIZE={args.chunk_size}"
    )
    rows: list[tuple[str, list[str]]] = [
        ("devices", [f"{r.devices:,}" for r in results]),
        (
            "fake: sends / ok / failed",
            [f"{r.fake['sends']:,} / {r.fake['ok']:,} / {r.fake['failed']:,}" for r in results],
        ),
        ("first send after notify()", [f"{r.first_at - r.notify_at:.2f}s" for r in results]),
        ("last send after notify()", [f"{r.last_at - r.notify_at:.2f}s" for r in results]),
        ("'done' seen after notify()", [f"{r.done_at - r.notify_at:.2f}s" for r in results]),
        ("msgs/s, first..last send", [f"{r.steady_rate:,.0f}" for r in results]),
        ("msgs/s, notify()..last send", [f"{r.end_to_end_rate:,.0f}" for r in results]),
        ("ratio to bare client", [f"{r.steady_rate / bare:.3f}" for r in results]),
        ("record: state", [r.counts["state"] for r in results]),
        (
            "record: targeted/sent/failed/pruned",
            [
                f"{r.counts['targeted']:,}/{r.counts['sent']:,}/{r.counts['failed']:,}/"
                f"{r.counts['pruned']:,}"
                for r in results
            ],
        ),
        ("record: first_sent_at", [at(r.counts["first_sent_at"], r.notify_at) for r in results]),
        ("record: last_sent_at", [at(r.counts["last_sent_at"], r.notify_at) for r in results]),
        ("record: planned_at", [at(r.counts["planned_at"], r.notify_at) for r in results]),
        ("worker child peak (max VmHWM)", [mb(r.child_peak_kb) for r in results]),
        (
            "worker children's VmHWM",
            [", ".join(mb(kb) for kb in sorted(r.children_kb.values())) or "-" for r in results],
        ),
        ("worker main process VmHWM", [mb(r.main_kb) for r in results]),
        *(
            (f"CPU ms/msg: {key}", [f"{r.cpu[key] * 1000 / r.devices:.3f}" for r in results])
            for key in results[0].cpu
        ),
        (
            "CPU ms/msg: rest (kernel, other load)",
            [f"{r.cpu_rest * 1000 / r.devices:.3f}" for r in results],
        ),
        (
            f"machine busy ({CORES} cores)",
            [
                f"{r.cpu['machine, all processes'] / ((r.done_at - r.notify_at) * CORES):.0%}"
                for r in results
            ],
        ),
        ("seeding (COPY) took", [f"{r.seed_seconds:.1f}s" for r in results]),
        ("worker ready after", [f"{r.ready_seconds:.1f}s" for r in results]),
    ]
    widths = [max(24, *(len(row[1][i]) for row in rows)) for i in range(len(results))]
    for label, values in rows:
        cells = "  ".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True))
        print(f"{label:<36}{cells}")

    big = max(results, key=lambda r: r.devices)
    small = min(results, key=lambda r: r.devices)
    print(
        f"\nbare client {bare:,.0f} req/s; push transport alone (aiohttp, one process) "
        f"{transport:,.0f} req/s; requests thread pool ({args.concurrency} threads, one "
        f"process, what the SDK's own send uses) {sdk:,.0f} req/s"
    )
    print(
        f"{big.devices:,} devices: {big.steady_rate:,.0f} msgs/s (first..last send) = "
        f"{big.steady_rate / bare:.3f} of the bare client; "
        f"{big.end_to_end_rate:,.0f} msgs/s from notify() = {big.end_to_end_rate / bare:.3f}; "
        f"{big.steady_rate / transport:.3f} of the push transport alone"
    )
    grown = big.worker_peak_kb - small.worker_peak_kb
    allowed = max(MEMORY_TOLERANCE * small.worker_peak_kb, MEMORY_SLACK_KB)
    print(
        f"worker peak memory: {small.devices:,} -> {mb(small.worker_peak_kb)}, "
        f"{big.devices:,} -> {mb(big.worker_peak_kb)} ({grown / 1024:+.1f} MB, "
        f"{grown / max(small.worker_peak_kb, 1):+.1%})"
    )
    exact = all(
        r.fake["sends"] == r.fake["ok"] == r.devices
        and r.counts["sent"] == r.counts["targeted"] == r.devices
        for r in results
    )
    checks = [
        (
            f"messages/s >= {TARGET_RATIO} x bare client ({big.steady_rate:,.0f} vs "
            f"{TARGET_RATIO * bare:,.0f})",
            big.steady_rate >= TARGET_RATIO * bare,
        ),
        (
            f"messages/s >= {TARGET_RATE:,} ({big.steady_rate:,.0f} first..last send, "
            f"{big.end_to_end_rate:,.0f} from notify())",
            big.steady_rate >= TARGET_RATE,
        ),
        (
            f"worker peak memory at {big.devices:,} within {MEMORY_TOLERANCE:.0%} "
            f"(or {MEMORY_SLACK_KB // 1024} MB) of {small.devices:,} ({grown / 1024:+.1f} MB)",
            small is not big and grown <= allowed,
        ),
        (f"bare client >= {TARGET_BARE:,} req/s ({bare:,.0f})", bare >= TARGET_BARE),
        ("every device sent to exactly once, none failed", exact),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return all(ok for _, ok in checks)


# --- Main --------------------------------------------------------------------------------------


def measure_clients(url: str, concurrency: int) -> tuple[float, float, float]:
    """The bare client, and for reference the worker's transport alone and the SDK's transport,
    each after a warm-up, each checked against the fake's own count; the fake is reset after."""
    import requests

    bare = timed(
        f"bare client ({BARE_CONCURRENCY} connections)",
        url,
        measure_bare_client,
        BARE_REQUESTS,
        BARE_CONCURRENCY,
    )
    transport = timed(
        f"push transport alone ({concurrency} conns)",
        url,
        measure_transport,
        BARE_REQUESTS,
        concurrency,
    )
    sdk = timed(
        f"requests Sessions ({concurrency} threads)",
        url,
        measure_requests_threads,
        SDK_REQUESTS,
        concurrency,
    )
    requests.post(f"{url}/_fake/reset", timeout=10).raise_for_status()
    return bare, transport, sdk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=100_000, help="the large broadcast")
    parser.add_argument("--also", type=int, default=10_000, help="the small one, run first")
    parser.add_argument("--workers", type=int, default=2, help="celery worker --concurrency")
    parser.add_argument("--concurrency", type=int, default=64, help="PUSH_SEND_CONCURRENCY")
    parser.add_argument("--chunk-size", type=int, default=500, help="PUSH_CHUNK_SIZE")
    parser.add_argument("--pool", choices=["prefork", "threads"], default="prefork")
    parser.add_argument("--prefetch", type=int, default=1, help="worker prefetch multiplier")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per broadcast")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    ensure_database(database_url)
    env = bench_env(args, database_url, redis_url)
    setup_django(env)

    import redis
    from django.core.management import call_command
    from django.db import connection

    from tests.fakes.fcm import FakeFCM

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    print(f"Database: {connection.settings_dict['NAME']}; Redis: {redis_url} (flushed)")
    print(f"{CORES} cores; load average {load_average()}")
    sizes = sorted({args.also, args.devices})

    with (
        tempfile.TemporaryDirectory(prefix="push-fanout-") as tmp_name,
        fake_fcm_process("--no-record-bodies") as url,
    ):
        tmp = Path(tmp_name)
        port = int(url.rsplit(":", 1)[1])
        credentials = tmp / "service-account.json"
        credentials.write_text(json.dumps(FakeFCM(port=port).service_account_info(PROJECT)))
        env.update(PUSH_BACKEND="firebase", FIREBASE_CREDENTIALS=str(credentials), FCM_ENDPOINT=url)
        print(f"Fake FCM at {url} (its own process, --no-record-bodies)", flush=True)
        bare, transport, sdk = measure_clients(url, args.concurrency)
        results = [run_size(n, args, env, url, tmp) for n in sizes]
    ok = report(results, bare, transport, sdk, args)
    print(f"load average at the end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
