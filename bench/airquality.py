"""Benchmark: air-quality intake and reads on PostgreSQL (issue 11).

    .venv/bin/python bench/airquality.py [--readings 1000000] [--stored 10000000] [--reseed]
                                         [--requests 300]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jaki_air_bench) names the database,
created when missing. It keeps its seed between runs: 100 stations with `--stored` readings
(every 10 minutes, 4 parameters, ending three days ago) and their hourly and daily rollups,
written by COPY-speed SQL (generate_series); seeded again with --reseed or when smaller.

Then, in one run:
- reads, in-process through Django's WSGI handler (the whole API stack, no socket): the
  stations list, the nearest station to random points, and a 30-day hourly history of a
  random station and parameter: p50/p95 over --requests each;
- ingest: `--readings` readings (100 stations x 5 parameters, one a minute) in batches of
  10,000, first by a bare bulk insert (the same INSERT … SELECT FROM unnest of the same rows
  into the same table, without validation, idempotency, rollups or the latest index), then
  deleted, then through `POST /api/v1/airquality/readings/` with an API key (JSON parsing,
  auth, per-row validation, upsert, rollups, latest index): readings/s and the ratio. The
  readings are deleted afterwards, so the next run starts from the same table.

Targets (PASS/FAIL, exit 1 on a FAIL): ingest >= 20,000 readings/s and >= 0.3 x the bare insert;
each read p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jaki_air_bench"
STATIONS = 100
SEED_PARAMETERS = ("pm25", "pm10", "o3", "no2")
INGEST_PARAMETERS = ("pm25", "pm10", "o3", "no2", "co")
BATCH = 10_000
TARGET_RATE = 20_000
TARGET_RATIO = 0.3
TARGET_P95_MS = 50.0
LAT = (-6.37, -6.09)
LON = (106.69, 106.97)


def setup(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "THROTTLE_API_KEY": "1000000/min",
            "THROTTLE_ANON": "1000000/min",
            "THROTTLE_USER": "1000000/min",
            "DJANGO_SETTINGS_MODULE": "jaki.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)  # local-memory cache: the bench measures the app
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_stations():
    from airquality.models import Station

    rng = random.Random(11)
    wanted = [
        Station(
            code=f"BENCH-{n:03d}",
            name=f"Bench {n}",
            lat=rng.uniform(*LAT),
            lon=rng.uniform(*LON),
            kind=Station.Kind.LOW_COST,
        )
        for n in range(STATIONS)
    ]
    Station.objects.bulk_create(wanted, ignore_conflicts=True)
    return list(Station.objects.filter(code__startswith="BENCH-").order_by("code"))


def seed(stored: int, reseed: bool, stations, seed_end: datetime) -> None:
    from django.db import connection

    from airquality.models import Reading, StationLatest
    from airquality.services import latest_recompute

    have = Reading.objects.count()
    if have >= stored and not reseed:
        print(f"Seed: {have:,} readings already stored (--reseed to redo)")
        return
    started = time.monotonic()
    per_series = stored // (len(stations) * len(SEED_PARAMETERS))
    ids = [s.pk for s in stations]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE airquality_reading, airquality_hourlyrollup, airquality_dailyrollup, "
            "airquality_stationlatest"
        )
        # One statement per parameter: values wander around a daily cycle, as PM does.
        for parameter in SEED_PARAMETERS:
            cursor.execute(
                "INSERT INTO airquality_reading (station_id, parameter, time, value) "
                "SELECT s, %s, %s::timestamptz - make_interval(mins => 10 * n), "
                "round((30 + 20 * sin(n / 72.0) + random() * 15)::numeric, 1) "
                "FROM unnest(%s::int[]) AS s, generate_series(0, %s - 1) AS n",
                [parameter, seed_end, ids, per_series],
            )
        cursor.execute(
            "INSERT INTO airquality_hourlyrollup (station_id, parameter, hour, count, sum, min, "
            "max) SELECT station_id, parameter, date_trunc('hour', time), count(*), sum(value), "
            "min(value), max(value) FROM airquality_reading GROUP BY 1, 2, 3"
        )
        cursor.execute(
            "INSERT INTO airquality_dailyrollup (station_id, parameter, day, count, sum, min, "
            "max, hours) SELECT station_id, parameter, (hour AT TIME ZONE 'Asia/Jakarta')::date, "
            "sum(count), sum(sum), min(min), max(max), count(*) FROM airquality_hourlyrollup "
            "GROUP BY 1, 2, 3"
        )
        cursor.execute("ANALYZE")
    StationLatest.objects.all().delete()
    latest_recompute(station_ids=ids)
    print(
        f"Seed: {Reading.objects.count():,} readings of {len(stations)} stations in "
        f"{time.monotonic() - started:.0f} s"
    )


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def time_reads(stations, requests: int, seed_end: datetime) -> dict[str, tuple[float, float]]:
    from django.test import Client

    client = Client()
    rng = random.Random(5)
    results = {}

    def measure(name: str, make_path) -> None:
        samples = []
        for _ in range(requests):
            path = make_path()
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code, response.content)
        results[name] = percentiles(samples)

    measure("GET /api/v1/airquality/stations/", lambda: "/api/v1/airquality/stations/")
    measure(
        "GET /api/v1/airquality/nearest/",
        lambda: (
            f"/api/v1/airquality/nearest/?lat={rng.uniform(*LAT):.5f}&lon={rng.uniform(*LON):.5f}"
        ),
    )

    def history() -> str:
        station = rng.choice(stations)
        end = seed_end - timedelta(days=rng.randint(0, 100))
        start = end - timedelta(days=30)
        return (
            f"/api/v1/airquality/stations/{station.code}/history/?parameter="
            f"{rng.choice(SEED_PARAMETERS)}&interval=hour&from={start.isoformat()}"
            f"&to={end.isoformat()}"
        ).replace("+", "%2B")

    measure("GET …/stations/{code}/history/ (30 days, hourly)", history)
    return results


def ingest_rows(stations, readings: int, start: datetime) -> list[list[dict]]:
    """Batches of 10,000: every station and parameter, one reading a minute."""
    rng = random.Random(3)
    per_minute = len(stations) * len(INGEST_PARAMETERS)
    batches, batch = [], []
    minute = 0
    while len(batches) * BATCH + len(batch) < readings:
        at = (start + timedelta(minutes=minute)).isoformat()
        for station in stations:
            for parameter in INGEST_PARAMETERS:
                batch.append(
                    {
                        "station": station.code,
                        "parameter": parameter,
                        "value": round(rng.uniform(5, 120), 1),
                        "unit": "µg/m³",
                        "time": at,
                    }
                )
                if len(batch) == BATCH:
                    batches.append(batch)
                    batch = []
        minute += 1
    if batch:
        batches.append(batch)
    assert per_minute <= BATCH
    return batches


def cleanup(start: datetime) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM airquality_reading WHERE time >= %s", [start])
        cursor.execute("DELETE FROM airquality_hourlyrollup WHERE hour >= %s", [start])
        cursor.execute(
            "DELETE FROM airquality_dailyrollup "
            "WHERE day >= (%s AT TIME ZONE 'Asia/Jakarta')::date",
            [start],
        )
    connection.close()
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "VACUUM ANALYZE airquality_reading, airquality_hourlyrollup, airquality_dailyrollup"
        )


def bare_insert(batches, codes: dict[str, int]) -> float:
    """The same rows, the same table, one INSERT … SELECT FROM unnest per batch, no checks."""
    from django.db import connection, transaction

    prepared = []
    for batch in batches:
        prepared.append(
            [
                [codes[r["station"]] for r in batch],
                [r["parameter"] for r in batch],
                [datetime.fromisoformat(r["time"]) for r in batch],
                [float(r["value"]) for r in batch],
            ]
        )
    started = time.perf_counter()
    for arrays in prepared:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO airquality_reading (station_id, parameter, time, value) "
                "SELECT * FROM unnest(%s::int[], %s::varchar[], %s::timestamptz[], %s::float8[])",
                arrays,
            )
    return time.perf_counter() - started


def api_ingest(batches, key: str) -> tuple[float, int]:
    from django.test import Client

    client = Client()
    bodies = [json.dumps(batch).encode() for batch in batches]
    stored = 0
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/api/v1/airquality/readings/",
            body,
            content_type="application/json",
            HTTP_X_API_KEY=key,
        )
        assert response.status_code == 200, response.content[:500]
        stored += response.json()["stored"]
    return time.perf_counter() - started, stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--stored", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()

    setup(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    from django.conf import settings

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # 10,000 rows of ~110 bytes fit
    from airquality.permissions import INGEST_SCOPE
    from jaki.apikeys.services import api_key_create

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    seed_end = (now - timedelta(days=3)).replace(minute=0)
    stations = bench_stations()
    seed(args.stored, args.reseed, stations, seed_end)

    print(f"\nReads ({args.requests} requests each, in-process WSGI, ms):")
    reads = time_reads(stations, args.requests, seed_end)
    for name, (p50, p95) in reads.items():
        print(f"  {name:<52} p50 {p50:6.1f}  p95 {p95:6.1f}")

    ingest_start = now - timedelta(days=2)
    batches = ingest_rows(stations, args.readings, ingest_start)
    total = sum(len(b) for b in batches)
    codes = {s.code: s.pk for s in stations}
    cleanup(ingest_start)
    print(f"\nIngest: {total:,} readings in {len(batches)} batches of up to {BATCH:,}")
    bare_s = bare_insert(batches, codes)
    cleanup(ingest_start)
    key = api_key_create(name="bench", scopes=[INGEST_SCOPE]).plaintext
    api_s, stored = api_ingest(batches, key)
    cleanup(ingest_start)
    bare_rate, api_rate = total / bare_s, total / api_s
    print(f"  bare bulk insert (baseline)      {bare_rate:10,.0f} readings/s ({bare_s:.1f} s)")
    print(
        f"  POST /api/v1/airquality/readings/ {api_rate:9,.0f} readings/s ({api_s:.1f} s, "
        f"{stored:,} stored): {api_rate / bare_rate:.2f} x the bare insert"
    )

    failed = False

    def target(ok: bool, text: str) -> None:
        nonlocal failed
        failed |= not ok
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")

    print("\nTargets:")
    target(api_rate >= TARGET_RATE, f"ingest {api_rate:,.0f} >= {TARGET_RATE:,} readings/s")
    target(
        api_rate / bare_rate >= TARGET_RATIO,
        f"ingest {api_rate / bare_rate:.2f} >= {TARGET_RATIO} x the bare insert",
    )
    for name, (_p50, p95) in reads.items():
        target(p95 < TARGET_P95_MS, f"{name} p95 {p95:.1f} < {TARGET_P95_MS:.0f} ms")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
