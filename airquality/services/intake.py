"""Readings intake: validate a batch row by row, store the good rows once, keep the rollups and
each station's latest index up to date, and hand station changes to the alerts after commit.

Why the SQL is written out: a batch of 10,000 rows is stored with one INSERT … ON CONFLICT DO
NOTHING RETURNING (PostgreSQL: from arrays through unnest), and only the rows it returns (those
not stored before) are added to the hourly and daily rollups with INSERT … ON CONFLICT DO UPDATE
of sums, counts, minima and maxima. Rollups are never recomputed by scanning readings, and a
resent reading changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from airquality import indexes
from airquality.models import (
    DailyRollup,
    HourlyRollup,
    Parameter,
    Reading,
    Station,
    StationLatest,
)
from jaki.api import DomainError

MAX_BATCH = 10_000
# A clock a little ahead of ours is not "the future"; a reading an hour ahead is.
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LOCAL = ZoneInfo(settings.TIME_ZONE)  # days of the daily rollup are Jakarta's days
# A parameter whose newest hour is older than this, beside the station's newest, is left out
# of the station's index: a stalled analyser must not keep yesterday's value alive.
STALE_AFTER = timedelta(hours=3)
NOWCAST_HOURS = 12


class BatchTooLarge(DomainError):
    status_code = 413
    default_code = "batch_too_large"


class InvalidBatch(DomainError):
    default_code = "invalid_batch"


@dataclass(frozen=True)
class RowError:
    index: int
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    stations_changed: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class CleanRow:
    station_id: int
    parameter: str
    time: datetime  # aware, UTC
    value: float  # µg/m³


def _err(index: int, code: str, message: str, field_name: str | None = None) -> RowError:
    return RowError(index, code, message, field_name)


def parse_time(raw: Any) -> datetime | str:
    """An aware UTC datetime from ISO 8601 text, or an error code."""
    if not isinstance(raw, str) or not raw or len(raw) > 40:
        return "invalid_time"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return "invalid_time"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return "time_without_offset"
    return parsed.astimezone(UTC)


def clean_rows(
    rows: Sequence[Any],
    *,
    stations: dict[str, tuple[int, bool]],
    allows=None,
    now: datetime | None = None,
) -> tuple[list[CleanRow], list[RowError]]:
    """Check each row; the good ones come back in µg/m³ and UTC, the bad ones as errors with
    their index. `stations` maps a code to (id, active); `allows(code)` scopes a key."""
    now = now or timezone.now()
    latest_allowed = now + FUTURE_TOLERANCE
    good: list[CleanRow] = []
    errors: list[RowError] = []
    messages = _row_messages()
    factors: dict[tuple[str, str], float] = {}  # (parameter, unit) -> µg/m³ per unit
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append(_err(i, "invalid_row", messages["invalid_row"]))
            continue
        code = row.get("station")
        station = stations.get(code) if isinstance(code, str) else None
        if station is None or not station[1]:
            errors.append(_err(i, "unknown_station", messages["unknown_station"], "station"))
            continue
        if allows is not None and not allows(code):
            errors.append(
                _err(i, "station_not_allowed", messages["station_not_allowed"], "station")
            )
            continue
        parameter = row.get("parameter")
        if parameter not in indexes.PLAUSIBLE_MAX:
            errors.append(_err(i, "unknown_parameter", messages["unknown_parameter"], "parameter"))
            continue
        value = row.get("value")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            errors.append(_err(i, "invalid_value", messages["invalid_value"], "value"))
            continue
        unit = row.get("unit")
        factor = factors.get((parameter, unit)) if isinstance(unit, str) else None
        if factor is None:
            try:
                factor = indexes.to_ug_m3(parameter, 1.0, unit)
            except indexes.UnknownUnit:
                errors.append(_err(i, "wrong_unit", messages["wrong_unit"], "unit"))
                continue
            factors[(parameter, unit)] = factor
        ug = value * factor
        if ug < 0 or ug > indexes.PLAUSIBLE_MAX[parameter]:
            errors.append(_err(i, "implausible_value", messages["implausible_value"], "value"))
            continue
        time = parse_time(row.get("time"))
        if isinstance(time, str):
            errors.append(_err(i, time, messages[time], "time"))
            continue
        if time > latest_allowed:
            errors.append(_err(i, "time_in_future", messages["time_in_future"], "time"))
            continue
        if time < EARLIEST:
            errors.append(_err(i, "invalid_time", messages["invalid_time"], "time"))
            continue
        good.append(CleanRow(station[0], parameter, time, ug))
    return good, errors


def _row_messages() -> dict[str, str]:
    """Translated once per batch, not once per row."""
    return {
        "invalid_row": _("Each reading is an object."),
        "unknown_station": _("There is no such active station."),
        "station_not_allowed": _("This API key may not send readings for this station."),
        "unknown_parameter": _("Unknown parameter: use pm25, pm10, so2, co, o3, no2 or hc."),
        "invalid_value": _("The value must be a number."),
        "wrong_unit": _("Unknown unit for this parameter: use µg/m³, mg/m3, ppb or ppm (gases)."),
        "implausible_value": _(
            "The value is impossible for this parameter (negative or too high)."
        ),
        "invalid_time": _("The time must be ISO 8601 with a UTC offset, after 1990."),
        "time_without_offset": _("The time has no UTC offset: add one, e.g. +07:00 or Z."),
        "time_in_future": _("The time is in the future."),
        "duplicate_in_batch": _("The same station, parameter and time came earlier in the batch."),
    }


def station_codes() -> dict[str, tuple[int, bool]]:
    return {code: (pk, active) for pk, code, active in Station.objects.values_list(
        "pk", "code", "is_active")}  # fmt: skip


def readings_ingest(
    *,
    rows: Any,
    allows=None,
    now: datetime | None = None,
    max_batch: int = MAX_BATCH,
) -> IngestResult:
    """Store a batch of readings `[{station, parameter, value, unit, time}]`: bad rows are
    reported with their index and reason, good rows kept, rows stored before left alone."""
    if not isinstance(rows, list):
        raise InvalidBatch(_("Send the readings as a JSON list of objects."))
    if len(rows) > max_batch:
        raise BatchTooLarge(
            _("A batch holds at most %(max)d readings; this one has %(count)d.")
            % {"max": max_batch, "count": len(rows)}
        )
    result = IngestResult(received=len(rows))
    good, errors = clean_rows(rows, stations=station_codes(), allows=allows, now=now)
    result.errors = errors
    unique: dict[tuple[int, str, datetime], CleanRow] = {}
    for row in good:
        unique.setdefault((row.station_id, row.parameter, row.time), row)
    result.duplicates = len(good) - len(unique)
    with transaction.atomic():
        if _is_postgres():
            result.stored, touched = _store_postgres(list(unique.values()))
        else:
            stored = _insert_readings(list(unique.values()))
            _add_to_rollups(stored)
            result.stored, touched = len(stored), {r.station_id for r in stored}
        result.duplicates += len(unique) - result.stored
        if touched:
            result.stations_changed = latest_recompute(station_ids=touched)
    return result


# --- SQL -----------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite hands timestamps back as text, in UTC
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# PostgreSQL does it all in one statement: the new readings (ins), the hourly rollups they add to
# (hourly; xmax = 0 marks a row this statement created), and the daily rollups, whose `hours`
# grow by the hourly rows created. Nothing travels back but the count and the stations touched.
STORE_SQL = """
WITH ins AS (
    INSERT INTO airquality_reading (station_id, parameter, time, value)
    SELECT s, p, t, v FROM json_to_recordset(%(rows)s::json) AS r(s int, p text, t timestamptz,
                                                                   v float8)
    ON CONFLICT (station_id, parameter, time) DO NOTHING
    RETURNING station_id, parameter, time, value
), hourly AS (
    INSERT INTO airquality_hourlyrollup AS h (station_id, parameter, hour, count, sum, min, max)
    SELECT station_id, parameter, date_trunc('hour', time), count(*), sum(value), min(value),
           max(value)
    FROM ins GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (station_id, parameter, hour) DO UPDATE SET
        count = h.count + excluded.count, sum = h.sum + excluded.sum,
        min = LEAST(h.min, excluded.min), max = GREATEST(h.max, excluded.max)
    RETURNING station_id, parameter, hour, xmax = 0 AS created
), daily AS (
    INSERT INTO airquality_dailyrollup AS d (station_id, parameter, day, count, sum, min, max,
                                             hours)
    SELECT i.station_id, i.parameter, i.day, i.n, i.total, i.low, i.high, coalesce(c.created, 0)
    FROM (
        SELECT station_id, parameter, (time AT TIME ZONE %(tz)s)::date AS day, count(*) AS n,
               sum(value) AS total, min(value) AS low, max(value) AS high
        FROM ins GROUP BY 1, 2, 3
    ) AS i
    LEFT JOIN (
        SELECT station_id, parameter, (hour AT TIME ZONE %(tz)s)::date AS day,
               count(*) FILTER (WHERE created) AS created
        FROM hourly GROUP BY 1, 2, 3
    ) AS c USING (station_id, parameter, day)
    ORDER BY 1, 2, 3
    ON CONFLICT (station_id, parameter, day) DO UPDATE SET
        count = d.count + excluded.count, sum = d.sum + excluded.sum,
        min = LEAST(d.min, excluded.min), max = GREATEST(d.max, excluded.max),
        hours = d.hours + excluded.hours
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM daily),
       ARRAY(SELECT DISTINCT station_id FROM ins)
"""


def _store_postgres(rows: list[CleanRow]) -> tuple[int, set[int]]:
    """Store the rows and add the new ones to the rollups; (stored, station ids touched)."""
    if not rows:
        return 0, set()
    payload = json.dumps(
        [{"s": r.station_id, "p": r.parameter, "t": r.time.isoformat(), "v": r.value} for r in rows]
    )
    with connection.cursor() as cursor:
        cursor.execute(STORE_SQL, {"rows": payload, "tz": settings.TIME_ZONE})
        stored, _days, station_ids = cursor.fetchone()
    return stored, set(station_ids)


def _insert_readings(rows: list[CleanRow]) -> list[CleanRow]:
    """SQLite (the embedded default): insert what is new; return exactly the rows stored, which
    _add_to_rollups then aggregates in Python."""
    if not rows:
        return []
    table = Reading._meta.db_table
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(rows), 2000):
            chunk = rows[start : start + 2000]
            cursor.execute(
                f"INSERT INTO {table} (station_id, parameter, time, value) VALUES "  # noqa: S608
                + ",".join(["(%s, %s, %s, %s)"] * len(chunk))
                + " ON CONFLICT (station_id, parameter, time) DO NOTHING "
                "RETURNING station_id, parameter, time, value",
                [x for r in chunk for x in (r.station_id, r.parameter, adapt(r.time), r.value)],
            )
            returned.extend(cursor.fetchall())
    return [CleanRow(s, p, _as_utc(t), v) for s, p, t, v in returned]


def local_day(time: datetime) -> date:
    return time.astimezone(LOCAL).date()


def _add_to_rollups(rows: Iterable[CleanRow]) -> None:
    hourly: dict[tuple[int, str, datetime], list[float]] = {}
    for row in rows:
        key = (row.station_id, row.parameter, row.time.replace(minute=0, second=0, microsecond=0))
        agg = hourly.get(key)
        if agg is None:
            hourly[key] = [1, row.value, row.value, row.value]
        else:
            agg[0] += 1
            agg[1] += row.value
            agg[2] = min(agg[2], row.value)
            agg[3] = max(agg[3], row.value)
    created_hours = _upsert_rollup(HourlyRollup, "hour", hourly)
    daily: dict[tuple[int, str, date], list[float]] = {}
    for (station_id, parameter, hour), (count, total, low, high) in hourly.items():
        key = (station_id, parameter, local_day(hour))
        new_hour = 1 if (station_id, parameter, hour) in created_hours else 0
        agg = daily.get(key)
        if agg is None:
            daily[key] = [count, total, low, high, new_hour]
        else:
            agg[0] += count
            agg[1] += total
            agg[2] = min(agg[2], low)
            agg[3] = max(agg[3], high)
            agg[4] += new_hour
    _upsert_rollup(DailyRollup, "day", daily)


def _upsert_rollup(model, bucket: str, aggregates: dict[tuple, list[float]]) -> set[tuple]:
    """Add aggregates to the rollup rows, creating the missing ones; return the keys of the
    rows this call created (their count equals what was added). Sorted keys: two concurrent
    batches lock rows in the same order and cannot deadlock."""
    if not aggregates:
        return set()
    table = model._meta.db_table
    daily = bucket == "day"
    keys = sorted(aggregates)
    least, greatest = "MIN", "MAX"  # SQLite's two-argument forms
    columns = (
        "station_id, parameter, " + bucket + ", count, sum, min, max" + (", hours" if daily else "")
    )
    update = (
        f"count = {table}.count + excluded.count, sum = {table}.sum + excluded.sum, "
        f"min = {least}({table}.min, excluded.min), max = {greatest}({table}.max, excluded.max)"
        + (f", hours = {table}.hours + excluded.hours" if daily else "")
    )
    tail = (
        f" ON CONFLICT (station_id, parameter, {bucket}) DO UPDATE SET {update} "
        f"RETURNING station_id, parameter, {bucket}, count"
    )
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        adapt = (
            connection.ops.adapt_datefield_value
            if daily
            else connection.ops.adapt_datetimefield_value
        )
        width = 8 if daily else 7
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            params: list[Any] = []
            for k in chunk:
                agg = aggregates[k]
                params += [k[0], k[1], adapt(k[2]), int(agg[0]), agg[1], agg[2], agg[3]]
                if daily:
                    params.append(int(agg[4]))
            row = "(" + ", ".join(["%s"] * width) + ")"
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ",".join([row] * len(chunk))
                + tail,
                params,
            )
            returned.extend(cursor.fetchall())
    created = set()
    for station_id, parameter, key, count in returned:
        key = (date.fromisoformat(key) if isinstance(key, str) else key) if daily else _as_utc(key)
        agg = aggregates.get((station_id, parameter, key))
        if agg is not None and int(agg[0]) == count:
            created.add((station_id, parameter, key))
    return created


# --- the latest index ----------------------------------------------------------------------


def _station_index(hours: dict[str, dict[datetime, float]]) -> dict[str, Any] | None:
    """ISPU and US AQI of one station from its recent hourly means per parameter.

    ISPU: each parameter's newest hourly mean (the hourly ISPU Jakarta publishes; the
    regulation's averaging periods are *unverified*, indexes.ISPU_2020.averaging_hours).
    US AQI: NowCast for PM, the mean of the last 8 hours for O3 and CO, the newest hour for
    SO2 and NO2, as the EPA's tables are defined."""
    newest = max((max(series) for series in hours.values() if series), default=None)
    if newest is None:
        return None
    per_parameter: dict[str, dict[str, Any]] = {}
    ispu_subs: dict[str, int] = {}
    aqi_subs: dict[str, int] = {}
    for parameter, series in hours.items():
        last = max(series)
        if newest - last > STALE_AFTER:
            continue
        value = series[last]
        entry: dict[str, Any] = {"time": last.isoformat(), "value": round(value, 2)}
        with contextlib.suppress(indexes.IndexUndefined):
            entry["ispu"] = ispu_subs[parameter] = indexes.ispu(parameter, value).value
        aqi_input: float | None = value
        if parameter in ("pm25", "pm10"):
            recent = [series.get(last - timedelta(hours=h)) for h in range(NOWCAST_HOURS)]
            aqi_input = indexes.nowcast(recent, parameter=parameter)
        elif parameter in ("o3", "co"):
            window = [series[h] for h in series if last - h < timedelta(hours=8)]
            aqi_input = sum(window) / len(window)
        if aqi_input is not None:
            with contextlib.suppress(indexes.IndexUndefined):
                entry["aqi"] = aqi_subs[parameter] = indexes.us_aqi(parameter, aqi_input).value
        per_parameter[parameter] = entry
    out: dict[str, Any] = {"time": newest, "parameters": per_parameter}
    if ispu_subs:
        overall = indexes.ispu_overall(ispu_subs)
        out.update(ispu=overall.value, ispu_category=overall.category.code,
                   ispu_dominant=overall.dominant)  # fmt: skip
    if aqi_subs:
        overall = indexes.aqi_overall(aqi_subs)
        out.update(aqi=overall.value, aqi_category=overall.category.code,
                   aqi_dominant=overall.dominant)  # fmt: skip
    return out


def _newest_hours(station_ids: list[int]) -> dict[int, datetime]:
    """Each station's newest hourly rollup. Per parameter, one step down the unique index
    (station, parameter, hour): a MAX grouped by station would read every hour the stations
    ever had, on every batch."""
    floor = Value(EARLIEST, output_field=DateTimeField())
    per_parameter = [
        Coalesce(
            Subquery(
                HourlyRollup.objects.filter(station_id=OuterRef("pk"), parameter=parameter)
                .order_by("-hour")
                .values("hour")[:1]
            ),
            floor,
        )
        for parameter in Parameter.values
    ]
    rows = (
        Station.objects.filter(pk__in=station_ids)
        .annotate(newest=Greatest(*per_parameter))
        .values_list("pk", "newest")
    )
    return {pk: newest for pk, newest in rows if newest > EARLIEST}


def latest_recompute(*, station_ids: Iterable[int]) -> list[str]:
    """Recompute the latest index of these stations from their hourly rollups (the last 12
    hours before each one's newest); return the codes whose ISPU category changed and enqueue
    their alerts after commit."""
    station_ids = sorted(set(station_ids))
    if not station_ids:
        return []
    newest = _newest_hours(station_ids)
    window = Q()
    for station_id, hour in newest.items():
        # Every parameter named, so each station's window is ranges of the unique index.
        window |= Q(
            station_id=station_id,
            parameter__in=Parameter.values,
            hour__gt=hour - timedelta(hours=NOWCAST_HOURS),
        )
    series: dict[int, dict[str, dict[datetime, float]]] = defaultdict(lambda: defaultdict(dict))
    for station_id, parameter, hour, count, total in HourlyRollup.objects.filter(
        window
    ).values_list("station_id", "parameter", "hour", "count", "sum"):
        series[station_id][parameter][hour] = total / count
    before = {
        latest.station_id: latest.ispu_category
        for latest in StationLatest.objects.filter(station_id__in=station_ids).only(
            "station_id", "ispu_category"
        )
    }
    now = timezone.now()
    rows = []
    for station_id in station_ids:
        computed = _station_index(series.get(station_id, {}))
        if computed is None:
            continue
        rows.append(
            StationLatest(
                station_id=station_id,
                time=computed["time"],
                ispu=computed.get("ispu"),
                ispu_category=computed.get("ispu_category", ""),
                ispu_dominant=computed.get("ispu_dominant", ""),
                aqi=computed.get("aqi"),
                aqi_category=computed.get("aqi_category", ""),
                aqi_dominant=computed.get("aqi_dominant", ""),
                parameters=computed["parameters"],
                updated_at=now,
            )
        )
    StationLatest.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["station"],
        update_fields=[
            "time", "ispu", "ispu_category", "ispu_dominant", "aqi", "aqi_category",
            "aqi_dominant", "parameters", "updated_at",
        ],
    )  # fmt: skip
    changed = [r.station_id for r in rows if before.get(r.station_id, "") != r.ispu_category]
    if changed:
        from airquality.tasks import evaluate_alerts  # tasks call services: import when needed
        from jaki.celery import enqueue_on_commit

        enqueue_on_commit(evaluate_alerts, changed)
    return list(Station.objects.filter(pk__in=changed).values_list("code", flat=True))


def readings_fetch(*, source=None) -> dict[str, int]:
    """One cycle of the periodic fetcher: the source's newest readings of the active stations
    that have a `source_id`, through the same intake as posted batches."""
    from airquality.clients import configured_source

    source = source or configured_source()
    totals = {"fetched": 0, "stored": 0, "duplicates": 0, "rejected": 0}
    if source is None:
        return totals
    rows = source.fetch(Station.objects.filter(is_active=True).exclude(source_id=""))
    totals["fetched"] = len(rows)
    for start in range(0, len(rows), MAX_BATCH):
        result = readings_ingest(rows=rows[start : start + MAX_BATCH])
        totals["stored"] += result.stored
        totals["duplicates"] += result.duplicates
        totals["rejected"] += result.rejected
    return totals
