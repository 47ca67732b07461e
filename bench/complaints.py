"""Benchmark: complaints at Jakarta's scale, 1,000,000 of them in PostgreSQL (issue 9).

    .venv/bin/python bench/complaints.py [--quick] [--duration 8] [--rounds 3] [--rows 1000000]
                                         [--reseed]

Needs Debian's `wrk`, PostgreSQL and Redis. DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jaki_bench) names the server; the bench keeps its own
database `<name>_complaints` between runs (seeding a million rows takes a minute or two), and
seeds it again with --reseed or when it holds fewer rows than --rows.

The seed: random points over Jakarta's land (each located to its kelurahan and routed to its
office, as submit does), two years of history with Jakarta's outcome mix (most closed, a few
percent open), a quarter public, 10,000 reporters, one timeline event each; COPY, then ANALYZE.

Then, in one run:
- in-process: the selectors behind the nearby feed (public complaints within 500 m, nearest 50)
  and `similar` (open complaints of a category within 250 m) at 2,000 random points: p50/p95;
- over HTTP, deploy's `web:` line (bench/complaints_urls.py adds the baselines: a bare DRF
  view per method, an empty answer, and a fair one, plain DRF doing the same work with
  ModelSerializers and `objects.create`): wrk at 1 connection with a random point per request
  for the latency of `GET /api/v1/complaints/?lat=&lon=` and `GET /api/v1/complaints/similar/`,
  and at 32 connections the req/s of `GET /api/v1/complaints/` (the public feed's first page) and of
  `POST /api/v1/complaints/` (JSON, no photo), each beside both baselines' req/s: in rounds
  (--rounds, each endpoint once per round), since a shared machine's speed drifts within
  minutes; ratios are taken within a round and their median printed. The server
  runs as production does, non-eager, with REDIS_URL's Redis as the broker. The complaints the
  run posted are deleted at the end, so every run starts from the same million: left behind,
  they would be the newest rows of the table;
- the admin changelist (in-process, a superuser and a kelurahan triage officer): time and
  queries of the first page, filtered by status, overdue, and a ticket search.

Targets (PASS/FAIL, exit 1 on a FAIL): nearby and similar p95 < 50 ms; list and submit req/s
>= 0.5 x the fair baseline's (the ratio to the bare view is printed too); the admin changelist
< 1 s, in the same number of queries on every page.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_serving as hs

ROOT = hs.ROOT
BIN = hs.BIN
PHONE = "+6281377700099"
# Jakarta's mainland, in which random points are drawn (those at sea are dropped).
LAT = (-6.37, -6.09)
LON = (106.69, 106.97)
# Jakarta's 2024 outcome mix (96.8 % resolved): most closed, a few percent still open.
STATUSES = [
    ("closed", 0.86),
    ("resolved", 0.04),
    ("rejected", 0.03),
    ("in_progress", 0.025),
    ("dispatched", 0.02),
    ("verified", 0.015),
    ("submitted", 0.01),
]
TARGET_P95_MS = 50.0
TARGET_RATIO = 0.5
TARGET_ADMIN_S = 1.0
# Per method: the bare view (an empty answer, the floor) and the fair one (plain DRF doing the
# same work), in bench/complaints_urls.py.
BASELINES = {
    "GET": ("GET bare DRF view", "GET fair DRF ListAPIView"),
    "POST": ("POST bare DRF view", "POST fair DRF CreateAPIView"),
}


def seed(rows: int, reseed: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from complaints.models import Complaint

    call_command("migrate", verbosity=0)
    call_command("load_wilayah", stdout=io.StringIO())
    have = Complaint.objects.count()
    if have >= rows and not reseed:
        print(f"Seed: {have:,} complaints already in the bench database (--reseed to redo)")
        _vacuumed()
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE complaints_complaint, complaints_event, complaints_support, "
            "complaints_complaint_photos, complaints_event_attachments, "
            "complaints_ticketcounter CASCADE"
        )
    _seed_rows(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seed: {rows:,} complaints in {time.monotonic() - started:.0f} s")


def _vacuumed() -> None:
    """A table autovacuum never reached (seeded before the seed vacuumed) has no visibility
    map, so index-only scans still read the heap: what production's autovacuum would do."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NULL AND last_autovacuum IS NULL FROM pg_stat_user_tables "
            "WHERE relname = 'complaints_complaint'"
        )
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("VACUUM ANALYZE complaints_complaint")


def _seed_rows(rows: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from complaints.models import Category, Complaint
    from jaki.accounts.models import Organisation, User
    from jaki.regions.models import Region
    from jaki.regions.selectors import locate_many

    rng = np.random.default_rng(2026)
    users = User.objects.bulk_create(
        [User(phone=f"+62813{n:08d}", name="") for n in range(10_000)],
        ignore_conflicts=True,
        batch_size=2000,
    )
    reporter_ids = list(
        User.objects.filter(phone__startswith="+62813").values_list("pk", flat=True)
    ) or [u.pk for u in users]
    categories = list(
        Category.objects.values_list("pk", "resolution_sla_hours", "coordination_sla_hours")
    )
    offices = dict(
        Organisation.objects.filter(kind="kelurahan", region__isnull=False).values_list(
            "region_id", "pk"
        )
    )
    parents = dict(Region.objects.values_list("pk", "parent_id"))

    lats: list[tuple[float, float, int]] = []
    while len(lats) < rows:
        n = int((rows - len(lats)) * 1.6) + 1000
        la = rng.uniform(*LAT, n)
        lo = rng.uniform(*LON, n)
        found = locate_many(la, lo)
        for a, b, f in zip(la, lo, found, strict=True):
            if f is not None and f.kelurahan.id in offices:
                lats.append((a, b, f.kelurahan.id))
            if len(lats) >= rows:
                break
    now = timezone.now()
    span = timedelta(days=730).total_seconds()
    ages = np.sort(rng.uniform(0, span, rows))[::-1]  # oldest first: tickets in time order
    names, weights = zip(*STATUSES, strict=True)
    statuses = rng.choice(names, size=rows, p=np.array(weights) / sum(weights))
    public = rng.random(rows) < 0.25
    cats = rng.integers(0, len(categories), rows)
    reporters = rng.integers(0, len(reporter_ids), rows)

    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    defaults = {f.column: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    counters: dict[int, int] = {}
    table = Complaint._meta.db_table
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(rows):
                lat, lon, kelurahan = lats[i]
                kecamatan = parents.get(kelurahan)
                submitted = now - timedelta(seconds=float(ages[i]))
                year = timezone.localtime(submitted).year
                counters[year] = counters.get(year, 0) + 1
                category, resolve_h, coordinate_h = categories[cats[i]]
                status = str(statuses[i])
                office = offices[kelurahan]
                ended = status in ("resolved", "closed")
                row = dict(defaults)
                row.update(
                    public_id=uuid.uuid4(),
                    ticket=f"JKT-{year}-{counters[year]:06d}",
                    category_id=category,
                    status=status,
                    public=bool(public[i]),
                    description="Jalan berlubang dan tergenang saat hujan, mohon segera "
                    "ditangani sebelum ada kecelakaan.",
                    answers="{}",
                    lat=float(lat),
                    lon=float(lon),
                    kelurahan_id=kelurahan,
                    kecamatan_id=kecamatan,
                    kota_id=parents.get(kecamatan),
                    office_id=office,
                    organisation_id=office,
                    reporter_id=reporter_ids[reporters[i]] if i % 10 else None,
                    submitted_at=submitted,
                    updated_at=submitted,
                    coordination_due_at=submitted + timedelta(hours=coordinate_h),
                    resolution_due_at=submitted + timedelta(hours=resolve_h),
                    coordinated_at=submitted + timedelta(hours=2)
                    if status != "submitted"
                    else None,
                    resolved_at=submitted + timedelta(days=2) if ended else None,
                    closed_at=submitted + timedelta(days=5) if status == "closed" else None,
                    response="Sudah ditangani." if ended else "",
                )
                copy.write_row([row[c] for c in columns])
        cursor.execute(
            "INSERT INTO complaints_event (public_id, complaint_id, kind, from_status, "
            "to_status, public, text, actor_id, by_reporter, organisation_id, created_at) "
            "SELECT gen_random_uuid(), id, 'submitted', '', 'submitted', true, '', reporter_id, "
            "reporter_id IS NOT NULL, organisation_id, submitted_at FROM complaints_complaint"
        )
        for year, last in counters.items():
            cursor.execute(
                "INSERT INTO complaints_ticketcounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                [year, last],
            )


def random_points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    from jaki.regions.selectors import locate_many

    rng = np.random.default_rng(seed)
    la, lo = rng.uniform(*LAT, n * 2), rng.uniform(*LON, n * 2)
    found = locate_many(la, lo)
    return [(float(a), float(b)) for a, b, f in zip(la, lo, found, strict=True) if f][:n]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def time_selectors(points: list[tuple[float, float]]) -> dict[str, tuple[float, float]]:
    from complaints import selectors
    from complaints.models import Category

    categories = list(Category.objects.all())
    feed, similar = [], []
    for i, (lat, lon) in enumerate(points):
        started = time.perf_counter()
        selectors.complaints_public_near(lat=lat, lon=lon, radius_m=500)
        feed.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        selectors.complaints_similar(lat=lat, lon=lon, category=categories[i % len(categories)])
        similar.append(1000 * (time.perf_counter() - started))
    return {"nearby feed (500 m)": percentiles(feed), "similar (250 m)": percentiles(similar)}


def time_admin() -> list[tuple[str, str, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jaki.accounts.models import Organisation, Role, User

    admin_user, _ = User.objects.get_or_create(
        phone="+6281377700001", defaults={"is_staff": True, "is_superuser": True}
    )
    officer, _ = User.objects.get_or_create(
        phone="+6281377700002",
        defaults={
            "is_staff": True,
            "organisation": Organisation.objects.get(code="kel-31-71-01-1001"),
        },
    )
    from django.contrib.auth.models import Group

    officer.groups.add(Group.objects.get(name=Role.COMPLAINT_TRIAGE))
    ticket = "JKT-2025-000123"
    pages = [
        ("first page", ""),
        ("status=submitted", "?status__exact=submitted"),
        ("overdue", "?overdue=yes"),
        ("ticket search", f"?q={ticket}"),
    ]
    results = []
    for who, user in (("superuser", admin_user), ("kelurahan triage", officer)):
        client = Client()
        client.force_login(user)
        for label, query in pages:
            url = "/admin/complaints/complaint/" + query
            client.get(url)  # warm
            times = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"{url} as {who}: {response.status_code}")
            results.append((who, label, statistics.median(times), len(queries)))
    return results


def lua(
    path: str,
    *,
    method: str = "GET",
    body: dict | None = None,
    token: str = "",
    random_point: bool = False,
    extra: str = "",
    tmp: Path,
) -> Path:
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines += [
            f"wrk.body = {json.dumps(json.dumps(body))}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    if random_point:
        lines.append(
            "math.randomseed(42)\n"
            "request = function()\n"
            f"  local lat = {LAT[0] + 0.07} + math.random() * 0.16\n"
            f"  local lon = {LON[0] + 0.06} + math.random() * 0.16\n"
            f'  local url = string.format("{path}?lat=%.5f&lon=%.5f{extra}", lat, lon)\n'
            "  return wrk.format(nil, url)\n"
            "end"
        )
    lines.append(
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("BENCH %d %d %d %d %d %d %d\\n", summary.requests,\n'
        "    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,\n"
        "    latency:percentile(50), latency:percentile(95), latency:percentile(99)))\n"
        "end"
    )
    script = tmp / f"{uuid.uuid4().hex}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def drive(server: hs.Server, path: str, script: Path, connections: int, seconds: int) -> dict:
    url = f"http://127.0.0.1:{server.port}{path}"
    argv = [
        "wrk",
        f"-t{min(connections, 2)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    line = next(row for row in out.stdout.splitlines() if row.startswith("BENCH "))
    requests, micros, status, sockets, p50, p95, p99 = (int(v) for v in line.split()[1:])
    return {
        "rate": requests / (micros / 1e6),
        "errors": status + sockets,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "requests": requests,
    }


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]


def ratio(rounds: dict[str, list[dict]], label: str, baseline: str) -> float:
    """The median over rounds of label's req/s over the baseline's in the same round."""
    pairs = zip(rounds[label], rounds[baseline], strict=True)
    return statistics.median(run["rate"] / base["rate"] for run, base in pairs)


def forget_posted(user) -> int:
    """Delete the complaints this run posted (the bench user's; the seed's have other
    reporters), with their events."""
    from complaints.models import Complaint

    deleted, __ = Complaint.objects.filter(reporter=user).delete()
    return deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s per wrk run, 300 points")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the req/s runs")
    args = parser.parse_args()
    seconds = 2 if args.quick else args.duration
    if args.quick:
        args.rounds = 1
    if not shutil.which("wrk"):
        print("This bench drives the server with wrk: apt-get install -y wrk", file=sys.stderr)
        return 2
    base = urlsplit(os.environ.get("DATABASE_URL") or hs.DEFAULT_DATABASE_URL)
    if not base.scheme.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL server.", file=sys.stderr)
        return 2
    db_url = base._replace(path=base.path.rstrip("/") + "_complaints").geturl()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "complaints_settings",
        "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or hs.DEFAULT_REDIS_URL,
        "DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
        "PUSH_BACKEND": "log",
        **{f"THROTTLE_{s}": hs.LIFTED for s in ("ANON", "USER", "OTP_IP", "TOKEN_IP")},
    }
    os.environ.update(env)
    import psycopg

    with psycopg.connect(hs.admin_url(db_url), autocommit=True) as conn:
        name = urlsplit(db_url).path.lstrip("/")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.db import connection

    from jaki.accounts.models import User
    from jaki.accounts.services import tokens_issue

    seed(args.rows, args.reseed)
    from complaints.models import Complaint

    total = Complaint.objects.count()
    points = random_points(300 if args.quick else 2000)
    selector_times = time_selectors(points)
    admin_times = time_admin()
    user, _ = User.objects.get_or_create(phone=PHONE, defaults={"name": "Bench"})
    token = tokens_issue(user=user)["access"]
    connection.close()

    tmp = Path(tempfile.mkdtemp(prefix="jaki-bench-complaints-"))
    port = hs.free_port()
    argv = hs.procfile_web_argv(ROOT / "deploy" / "Procfile", port)
    web = hs.Server("web", argv, port, int(hs.option(argv, "--workers", "1")))
    body = {
        "category": "jalan-rusak",
        "description": "Lubang besar di jalan.",
        "lat": -6.1754,
        "lon": 106.8272,
    }
    latency_runs = [
        ("nearby feed (500 m)", "/api/v1/complaints/", "&radius=500"),
        ("similar (250 m)", "/api/v1/complaints/similar/", "&category=jalan-rusak"),
    ]
    post = {"method": "POST", "body": body, "token": token}
    rate_runs = [
        ("GET bare DRF view", "/bench/bare/", {}),
        ("GET fair DRF ListAPIView", "/bench/fair/", {}),
        ("GET /api/v1/complaints/", "/api/v1/complaints/", {}),
        ("POST bare DRF view", "/bench/bare-post/", post),
        ("POST fair DRF CreateAPIView", "/bench/fair-post/", post),
        (
            "POST /api/v1/complaints/",
            "/api/v1/complaints/",
            {"method": "POST", "body": body, "token": token},
        ),
    ]
    latency, rates, rounds = {}, {}, {}
    try:
        print(f"Server: {shlex.join(argv)}")
        hs.start(web, env, tmp)
        for label, path, extra in latency_runs:
            script = lua(path, token=token, random_point=True, extra=extra, tmp=tmp)
            drive(web, path, script, 2, 1)
            latency[label] = drive(web, path, script, 1, seconds)
        scripts = {label: lua(path, tmp=tmp, **options) for label, path, options in rate_runs}
        for label, path, __ in rate_runs:
            drive(web, path, scripts[label], 4, 1)
        # This shared machine's speed drifts by tens of percent within minutes: each round runs
        # every endpoint once, and ratios are taken within a round, then their median.
        for _round in range(args.rounds):
            for label, path, __ in rate_runs:
                rounds.setdefault(label, []).append(drive(web, path, scripts[label], 32, seconds))
        rates = {label: median_run(runs) for label, runs in rounds.items()}
    finally:
        hs.stop(web)
        errors = hs.error_lines(web) if web.log else []
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{total:,} complaints; {len(points)} random points in Jakarta")
    print(f"\n{'in-process selector':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for label, (p50, p95) in selector_times.items():
        print(f"{label:<28}{p50:>9.2f}{p95:>9.2f}")
    print(
        f"\n{'HTTP, 1 connection, random points':<36}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    )
    for label, run in latency.items():
        print(
            f"{label:<36}{run['p50']:>9.2f}{run['p95']:>9.2f}{run['p99']:>9.2f}{run['errors']:>8}"
        )
    print(
        f"\n{'HTTP, 32 connections':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'/ bare':>9}{'/ fair':>9}"
    )
    for label, run in rates.items():
        bare, fair = BASELINES[label.split()[0]]
        print(
            f"{label:<30}{run['rate']:>9,.0f}{run['p50']:>9.1f}{run['p99']:>9.1f}"
            f"{run['errors']:>8}{ratio(rounds, label, bare):>8.2f}x"
            f"{ratio(rounds, label, fair):>8.2f}x"
        )
    print(
        f"  req/s, p50 and p99: the median of {args.rounds} rounds; ratios: the median of each "
        "round's ratio."
    )
    print(
        "  bare: DRF answering an empty constant (GET) or echoing a validated body (POST);\n"
        "  fair: plain DRF doing the same work (ListAPIView + ModelSerializer over the same\n"
        "  page; CreateAPIView + one objects.create). Targets are against fair."
    )
    print(f"  {forget_posted(user):,} rows the run posted deleted (complaints and their events).")
    print(f"\n{'admin changelist':<40}{'seconds':>9}{'queries':>9}")
    for who, label, seconds_taken, queries in admin_times:
        print(f"{who + ': ' + label:<40}{seconds_taken:>9.3f}{queries:>9}")
    if errors:
        print("\nserver logged errors, e.g.:\n  " + "\n  ".join(errors))

    print("\nTargets:")
    failed = False

    def target(ok: bool, text: str) -> None:
        nonlocal failed
        failed |= not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")

    for label, run in latency.items():
        target(
            run["p95"] < TARGET_P95_MS and not run["errors"],
            f"{label} over HTTP: p95 {run['p95']:.1f} ms (< {TARGET_P95_MS:g} ms)",
        )
    for label, (_p50, p95) in selector_times.items():
        target(p95 < TARGET_P95_MS, f"{label} selector: p95 {p95:.1f} ms (< {TARGET_P95_MS:g} ms)")
    for label in ("GET /api/v1/complaints/", "POST /api/v1/complaints/"):
        bare, fair = BASELINES[label.split()[0]]
        to_fair, to_bare = ratio(rounds, label, fair), ratio(rounds, label, bare)
        target(
            to_fair >= TARGET_RATIO and not any(run["errors"] for run in rounds[label]),
            f"{label}: {to_fair:.2f}x the fair baseline's req/s (>= {TARGET_RATIO}x; "
            f"{to_bare:.2f}x the bare view's)",
        )
    for who in dict.fromkeys(row[0] for row in admin_times):
        counts = {row[3] for row in admin_times if row[0] == who and row[1] != "ticket search"}
        target(len(counts) == 1, f"admin changelist, {who}: {sorted(counts)} queries a page")
    slowest = max(admin_times, key=lambda row: row[2])
    target(
        slowest[2] < TARGET_ADMIN_S,
        f"admin changelist: slowest {slowest[2]:.3f} s ({slowest[0]}: {slowest[1]}; < 1 s)",
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
