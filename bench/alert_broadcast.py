"""Benchmark: a polygon warning over a quarter of a million-device Jakarta, from preview to
the last push, against a plain `notify(everyone=True)` of the same size in the same run.

Targets (issue 10): preview count < 1 s; first FCM request < 1 s after approval; >= 1,000
messages/s and >= 0.8 of the plain broadcast's rate; worker peak memory independent of the
audience (the large warning within 10% or 5 MB of the small one).

    .venv/bin/python bench/alert_broadcast.py [--devices 1000000] [--also 100000] [--quick]
        [--workers 2] [--concurrency 64] [--chunk-size 500] [--pool prefork|threads]

PostgreSQL (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/jaki_alerts_bench, created
and migrated) and Redis (REDIS_URL, else redis://127.0.0.1:6379/14; flushed first).

1. Loads the bundled map of Jakarta, makes an alert author and an approver.
2. For each size (--also, then --devices): replaces the bench devices by COPY, spread
   uniformly over mainland Jakarta's bounding box; the author drafts an Actual, Expected
   warning over a triangle holding a quarter of them (its bounding box half) and submits it;
   the preview count is timed (three times); `celery -A jaki worker -Q push` starts against
   the fake FCM (bench/push_fanout.py's helpers), the approver approves, and the run waits
   until the warning's notification is done and the fake counted every send.
3. Runs push_fanout's plain `notify(everyone=True)` over as many devices as the large
   warning reached, with the same workers and fake.
Topics are off (ALERTS_TOPIC_MIN_KELURAHAN is raised) so every message counted is a device's.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fake_fcm_bare import fake_fcm_process
from bench.push_fanout import (
    PROJECT,
    Result,
    bench_env,
    clear_bench_rows,
    cpu_snapshot,
    create_devices,
    fake_pid,
    load_average,
    mb,
    run_size,
    server_pids,
    setup_django,
    start_workers,
    stop_workers,
    wait_done,
    wait_ready,
)
from bench.regions_locate import ensure_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jaki_alerts_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
SOUTH, NORTH, WEST, EAST = -6.37, -6.09, 106.69, 106.97  # mainland Jakarta's bounding box
# A triangle over the southern half: its area is a quarter of the box, its bounding box half.
MIDDLE = (SOUTH + NORTH) / 2
TRIANGLE = [
    [SOUTH, WEST],
    [SOUTH, EAST],
    [MIDDLE, (WEST + EAST) / 2],
    [SOUTH, WEST],
]
TARGET_PREVIEW_S, TARGET_FIRST_S, TARGET_RATE, TARGET_RATIO = 1.0, 1.0, 1_000, 0.8
MEMORY_TOLERANCE, MEMORY_SLACK_KB = 0.10, 5 * 1024


def uniform_in_jakarta(rng) -> tuple[float, float]:
    return rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)


def officers():
    from jaki.accounts.models import Role
    from jaki.accounts.services import staff_create_or_update

    author, _ = staff_create_or_update(phone="+6281999000001", role=Role.ALERT_AUTHOR)
    approver, _ = staff_create_or_update(phone="+6281999000002", role=Role.ALERT_APPROVER)
    return author, approver


def draft_warning(author):
    from datetime import timedelta

    from django.utils import timezone

    from disasteralerts import services

    effective = timezone.now()
    alert = services.alert_draft(
        author=author,
        status="Actual",
        event="Banjir",
        category=["Met"],
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        response_type=["Prepare"],
        effective=effective,
        expires=effective + timedelta(hours=6),
        info={
            "id": {"headline": "Uji peringatan banjir JAKI", "short_text": "Uji banjir."},
            "en": {"headline": "JAKI flood warning test", "short_text": "Flood test."},
        },
        areas=[{"description": "Bench triangle", "polygons": [TRIANGLE]}],
        source_ref="bench",
    )
    return services.alert_submit(alert=alert, user=author)


def run_warning(n: int, args, env, fake_url: str, tmp: Path, author, approver) -> dict:
    import requests

    from disasteralerts import selectors, services

    print(f"\n--- warning over {n:,} devices ---", flush=True)
    requests.post(f"{fake_url}/_fake/reset", timeout=10).raise_for_status()
    clear_bench_rows()
    seed_seconds = create_devices(n, args.seed + n, where=uniform_in_jakarta)
    print(f"  {n:,} devices placed over Jakarta in {seed_seconds:.1f}s", flush=True)
    alert = draft_warning(author)
    previews, count = [], 0
    for _ in range(3):
        started = time.perf_counter()
        count = selectors.alert_preview_count(alert=alert)
        previews.append(time.perf_counter() - started)
    print(
        f"  preview: {count:,} devices ({count / n:.1%}) in "
        + ", ".join(f"{p * 1000:.0f} ms" for p in previews),
        flush=True,
    )
    node = f"bench-alert-{n}-{os.getpid()}@{socket.gethostname()}"
    workers = start_workers(args, env, node, tmp / f"worker-alert-{n}.log")
    try:
        ready_seconds = wait_ready(workers)
        fake, servers = fake_pid(), server_pids()
        cpu_before = cpu_snapshot(workers.process.pid, fake, servers)
        approve_at = time.time()
        alert = services.alert_approve(alert=alert, user=approver)
        approved_at = time.time()
        stats, counts = wait_done(alert.notification_id, count, fake_url, workers, args.timeout)
        done_at = time.time()
        workers.sampler.sample()
        cpu_after = cpu_snapshot(workers.process.pid, fake, servers)
    finally:
        stop_workers(workers)
    result = Result(
        devices=count,
        seed_seconds=seed_seconds,
        ready_seconds=ready_seconds,
        notify_at=approve_at,
        done_at=done_at,
        fake=stats,
        counts=counts,
        cpu={key: cpu_after[key] - cpu_before[key] for key in cpu_before},
        main_kb=workers.sampler.main_kb,
        children_kb=dict(workers.sampler.children_kb),
    )
    print(
        f"  approve() returned after {approved_at - approve_at:.2f}s; first push "
        f"+{result.first_at - approve_at:.2f}s, last +{result.last_at - approve_at:.2f}s; "
        f"{result.steady_rate:,.0f} msgs/s; worker peak {mb(result.worker_peak_kb)}",
        flush=True,
    )
    return {"n": n, "count": count, "previews": previews, "result": result}


def report(small: dict, big: dict, plain: Result) -> bool:
    result: Result = big["result"]
    preview = statistics.median(big["previews"])
    first = result.first_at - result.notify_at
    ratio = result.steady_rate / max(plain.steady_rate, 1e-9)
    grown = result.worker_peak_kb - small["result"].worker_peak_kb
    allowed = max(MEMORY_TOLERANCE * small["result"].worker_peak_kb, MEMORY_SLACK_KB)
    exact = result.counts["targeted"] == result.counts["sent"] == big["count"] == result.fake["ok"]
    print("\n=== Results ===")
    for label, run in (("small", small), ("large", big)):
        r: Result = run["result"]
        print(
            f"{label}: {run['n']:,} devices, warning reached {run['count']:,}; preview "
            + "/".join(f"{p * 1000:.0f}" for p in run["previews"])
            + f" ms; first push +{r.first_at - r.notify_at:.2f}s, last +"
            f"{r.last_at - r.notify_at:.2f}s after approval; {r.steady_rate:,.0f} msgs/s "
            f"(first..last), {r.end_to_end_rate:,.0f} from approval; worker child peak "
            f"{mb(r.child_peak_kb)}, main {mb(r.main_kb)}"
        )
    print(
        f"plain notify(everyone=True), {plain.devices:,} devices: first push "
        f"+{plain.first_at - plain.notify_at:.2f}s, {plain.steady_rate:,.0f} msgs/s; worker "
        f"child peak {mb(plain.child_peak_kb)}"
    )
    checks = [
        (f"preview count < {TARGET_PREVIEW_S:.0f} s (median {preview * 1000:.0f} ms)", preview < 1),
        (f"first push < {TARGET_FIRST_S:.0f} s after approval ({first:.2f}s)", first < 1),
        (
            f"messages/s >= {TARGET_RATE:,} ({result.steady_rate:,.0f})",
            result.steady_rate >= TARGET_RATE,
        ),
        (
            f"messages/s >= {TARGET_RATIO} x the plain broadcast ({ratio:.3f})",
            ratio >= TARGET_RATIO,
        ),
        (
            f"worker peak memory independent of the audience ({small['count']:,} -> "
            f"{big['count']:,}: {grown / 1024:+.1f} MB)",
            grown <= allowed,
        ),
        ("every device in the preview sent to exactly once", exact),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return all(ok for _, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--also", type=int, default=100_000, help="the small run, first")
    parser.add_argument("--quick", action="store_true", help="100,000 and 20,000 devices")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--pool", choices=["prefork", "threads"], default="prefork")
    parser.add_argument("--prefetch", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if args.quick:
        args.devices, args.also = 100_000, 20_000

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    ensure_database(database_url)
    env = {**bench_env(args, database_url, redis_url), "ALERTS_TOPIC_MIN_KELURAHAN": "1000000"}
    setup_django(env)

    import json

    import redis
    from django.core.management import call_command
    from django.db import connection

    from tests.fakes.fcm import FakeFCM

    call_command("migrate", verbosity=0)
    call_command("load_wilayah", verbosity=0)
    redis.Redis.from_url(redis_url).flushdb()
    print(f"Database: {connection.settings_dict['NAME']}; Redis: {redis_url} (flushed)")
    print(f"{os.cpu_count()} cores; load average {load_average()}")
    author, approver = officers()

    with (
        tempfile.TemporaryDirectory(prefix="alert-broadcast-") as tmp_name,
        fake_fcm_process("--no-record-bodies") as url,
    ):
        tmp = Path(tmp_name)
        credentials = tmp / "service-account.json"
        port = int(url.rsplit(":", 1)[1])
        credentials.write_text(json.dumps(FakeFCM(port=port).service_account_info(PROJECT)))
        env.update(PUSH_BACKEND="firebase", FIREBASE_CREDENTIALS=str(credentials), FCM_ENDPOINT=url)
        print(f"Fake FCM at {url}; worker pids appear per run", flush=True)
        small = run_warning(args.also, args, env, url, tmp, author, approver)
        big = run_warning(args.devices, args, env, url, tmp, author, approver)
        plain = run_size(big["count"], args, env, url, tmp)
    ok = report(small, big, plain)
    print(f"load average at the end: {load_average()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
