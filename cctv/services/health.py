"""The health probes: one cycle checks every camera not in maintenance, moves each through the
state machine (probes.py), keeps hourly counts for uptime and tells operators of cameras that
stay offline, once, and again when they are back."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cctv import clients, selectors
from cctv.models import Camera, Status, StatusChange, StreamSession, UptimeBucket
from cctv.probes import Outcome, State, frozen, state_next
from cctv.vault import InvalidToken, secret_decrypt
from jaki.notifications.services import in_languages, notify
from jaki.retention import delete_in_batches

logger = logging.getLogger(__name__)

CYCLE_LOCK = "cctv:probe-cycle"
HISTORY_DAYS = 8  # uptime covers 7 days; one more so the oldest hour is whole
STATUS_HISTORY_DAYS = 90
NOTICE_KIND = "cctv.camera_status"
OFFLINE_TITLE = _("Camera offline")
OFFLINE_BODY = _("Camera %(camera)s cannot be reached.")
BACK_TITLE = _("Camera back online")
BACK_BODY = _("Camera %(camera)s is back online.")
_STATE_FIELDS = [
    "status",
    "consecutive_failures",
    "consecutive_successes",
    "last_error",
    "last_checked_at",
    "last_online_at",
    "offline_since",
    "offline_notified_at",
    "playlist_position",
    "position_changed_at",
    "uptime_24h",
    "uptime_7d",
]


def cameras_probe_cycle(*, now: datetime | None = None) -> dict[str, int | float]:
    """Probe every camera once (bounded concurrency, CCTV_PROBE_TIMEOUT_SECONDS each) and write
    the results. A cycle already running elsewhere makes this one return {"skipped": 1}."""
    timeout = settings.CCTV_PROBE_TIMEOUT_SECONDS
    if not cache.add(CYCLE_LOCK, 1, timeout=int(timeout * 4 + 120)):
        return {"skipped": 1}
    try:
        return _cycle(now=now or timezone.now())
    finally:
        cache.delete(CYCLE_LOCK)


def _cycle(*, now: datetime) -> dict[str, int | float]:
    started = time.monotonic()
    cameras = list(
        Camera.objects.exclude(status=Status.MAINTENANCE)
        .only("pk", "code", "name", "organisation_id", "stream_url_encrypted", *_STATE_FIELDS)
        .order_by("pk")
    )
    targets, unreadable = [], {}
    for camera in cameras:
        try:
            targets.append((camera.pk, secret_decrypt(camera.stream_url_encrypted)))
        except InvalidToken:
            unreadable[camera.pk] = Outcome(ok=False, error="undecryptable")
    # Cameras that hung last time go first: their timeouts overlap with everyone else's work.
    suspects = {c.pk for c in cameras if c.last_error == "timeout"}
    targets.sort(key=lambda t: t[0] not in suspects)
    by_pk = {c.pk: c for c in cameras}
    totals = _Totals(started)
    waves = clients.playlists_probe(
        targets,
        now=now,
        concurrency=settings.CCTV_PROBE_CONCURRENCY,
        timeout=settings.CCTV_PROBE_TIMEOUT_SECONDS,
        connect_timeout=settings.CCTV_PROBE_CONNECT_TIMEOUT_SECONDS,
        max_bytes=settings.CCTV_PROBE_MAX_PLAYLIST_BYTES,
    )
    # The cameras that answered are written while silent ones run out their timeout. There is
    # always a last wave (empty when nothing was probed); the unreadable go with the first.
    for outcomes in waves:
        outcomes.update(unreadable)
        unreadable = {}
        _record([by_pk[pk] for pk in sorted(outcomes)], outcomes, now=now, totals=totals)
    by_status = Counter(c.status for c in cameras)
    summary: dict[str, int | float] = {
        "cameras": len(cameras),
        "online": by_status[Status.ONLINE],
        "degraded": by_status[Status.DEGRADED],
        "offline": by_status[Status.OFFLINE],
        "changed": totals.changed,
        "told_offline": totals.told_offline,
        "told_back": totals.told_back,
        "probe_seconds": round(totals.probe_s, 2),
        "seconds": round(time.monotonic() - started, 2),
    }
    summary.update({f"error_{code}": n for code, n in sorted(totals.errors.items())})
    logger.info("Camera probe cycle: %s", summary)
    return summary


@dataclass
class _Totals:
    """What a cycle's waves add up to, for its summary."""

    started: float  # time.monotonic() at the cycle's start
    probe_s: float = 0.0  # until the last wave was in
    changed: int = 0
    told_offline: int = 0
    told_back: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def _record(
    cameras: list[Camera], outcomes: dict[int, Outcome], *, now: datetime, totals: _Totals
) -> None:
    """Move these cameras through the state machine by their outcomes and write it all."""
    totals.probe_s = time.monotonic() - totals.started
    changes, came_back = [], []
    for camera in cameras:
        outcome = outcomes[camera.pk]
        if outcome.ok and frozen(
            outcome,
            previous=camera.playlist_position,
            changed_at=camera.position_changed_at,
            now=now,
        ):
            outcome = Outcome(ok=False, error="frozen", position=outcome.position)
        if outcome.position is not None and outcome.position != camera.playlist_position:
            camera.playlist_position, camera.position_changed_at = outcome.position, now
        before = camera.status
        state = state_next(
            State(before, camera.consecutive_failures, camera.consecutive_successes),
            ok=outcome.ok,
        )
        camera.status = state.status
        camera.consecutive_failures = min(state.failures, 1000)
        camera.consecutive_successes = min(state.successes, 1000)
        camera.last_error = outcome.error
        camera.last_checked_at = now
        if outcome.ok:
            camera.last_online_at = now
        else:
            totals.errors[outcome.error] += 1
        if state.status != before:
            changes.append(
                StatusChange(
                    camera=camera,
                    from_status=before,
                    to_status=state.status,
                    reason=outcome.error,
                    at=now,
                )
            )
            if state.status == Status.OFFLINE:
                camera.offline_since = now
            elif before == Status.OFFLINE:
                camera.offline_since = None
                if camera.offline_notified_at is not None:
                    came_back.append(camera)
                    camera.offline_notified_at = None
    with transaction.atomic():
        _count_hour(cameras, outcomes, now=now)
        uptime = _uptime(now=now, camera_ids=list(outcomes))
        for camera in cameras:
            camera.uptime_24h, camera.uptime_7d = uptime.get(camera.pk, (None, None))
        gone = _still_offline(cameras, now=now)
        _write_states(cameras)
        StatusChange.objects.bulk_create(changes)
        _tell_operators(gone=gone, back=came_back)
    totals.changed += len(changes)
    totals.told_offline += len(gone)
    totals.told_back += len(came_back)


# Column types for PostgreSQL's UPDATE ... FROM (VALUES ...): NULLs need them.
_STATE_TYPES = {
    "status": "varchar",
    "consecutive_failures": "integer",
    "consecutive_successes": "integer",
    "last_error": "varchar",
    "last_checked_at": "timestamptz",
    "last_online_at": "timestamptz",
    "offline_since": "timestamptz",
    "offline_notified_at": "timestamptz",
    "playlist_position": "bigint",
    "position_changed_at": "timestamptz",
    "uptime_24h": "double precision",
    "uptime_7d": "double precision",
}


def _write_states(cameras: list[Camera]) -> None:
    """Every camera's new state in a few statements. Django's bulk_update builds one CASE per
    field per row (17 s for 1,000 cameras); PostgreSQL joins a VALUES list instead."""
    if connection.vendor != "postgresql":
        Camera.objects.bulk_update(cameras, _STATE_FIELDS, batch_size=500)
        return
    table = connection.ops.quote_name(Camera._meta.db_table)
    columns = ", ".join(_STATE_FIELDS)
    assignments = ", ".join(f"{name} = v.{name}" for name in _STATE_FIELDS)
    row = "(%s::bigint, " + ", ".join(f"%s::{_STATE_TYPES[f]}" for f in _STATE_FIELDS) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(cameras), 1000):
            chunk = cameras[start : start + 1000]
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
                f"AS v(id, {columns}) WHERE {table}.id = v.id",
                [value for c in chunk for value in (c.pk, *(getattr(c, f) for f in _STATE_FIELDS))],
            )


def _count_hour(cameras: list[Camera], outcomes: dict[int, Outcome], *, now: datetime) -> None:
    """Add this cycle to each camera's bucket of the hour, in a few upserts."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    table = connection.ops.quote_name(UptimeBucket._meta.db_table)
    rows = [(c.pk, hour, 1, int(outcomes[c.pk].ok)) for c in cameras]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (camera_id, hour, checks, successes) VALUES {values} "  # noqa: S608
                "ON CONFLICT (camera_id, hour) DO UPDATE SET "
                "checks = {t}.checks + EXCLUDED.checks, "
                "successes = {t}.successes + EXCLUDED.successes".format(t=table),
                [value for row in chunk for value in row],
            )


def _uptime(
    *, now: datetime, camera_ids: list[int]
) -> dict[int, tuple[float | None, float | None]]:
    """Each camera's share of successful checks over 24 hours and over 7 days, in percent."""
    day, week = now - timedelta(hours=24), now - timedelta(days=7)
    rows = (
        UptimeBucket.objects.filter(camera_id__in=camera_ids, hour__gt=week - timedelta(hours=1))
        .values("camera_id")
        .annotate(
            checks_7d=Sum("checks"),
            ok_7d=Sum("successes"),
            checks_24h=Sum("checks", filter=Q(hour__gt=day - timedelta(hours=1))),
            ok_24h=Sum("successes", filter=Q(hour__gt=day - timedelta(hours=1))),
        )
    )

    def share(ok: int | None, checks: int | None) -> float | None:
        return round(100.0 * (ok or 0) / checks, 1) if checks else None

    return {
        row["camera_id"]: (
            share(row["ok_24h"], row["checks_24h"]),
            share(row["ok_7d"], row["checks_7d"]),
        )
        for row in rows
    }


def _still_offline(cameras: list[Camera], *, now: datetime) -> list[Camera]:
    """Cameras offline past the notice threshold whose operators were not told yet."""
    horizon = now - timedelta(seconds=settings.CCTV_OFFLINE_NOTICE_AFTER_SECONDS)
    gone = [
        c
        for c in cameras
        if c.status == Status.OFFLINE
        and c.offline_since is not None
        and c.offline_since <= horizon
        and c.offline_notified_at is None
    ]
    for camera in gone:
        camera.offline_notified_at = now
    return gone


def _tell_operators(*, gone: list[Camera], back: list[Camera]) -> None:
    if not gone and not back:
        return
    operators = selectors.operators_of(organisation_ids={c.organisation_id for c in [*gone, *back]})
    for camera, offline in [(c, True) for c in gone] + [(c, False) for c in back]:
        people = operators.get(camera.organisation_id) or []
        if not people:
            continue
        label = f"{camera.code} ({camera.name})"
        title, body = (OFFLINE_TITLE, OFFLINE_BODY) if offline else (BACK_TITLE, BACK_BODY)
        notify(
            kind=NOTICE_KIND,
            title=in_languages(title),
            body=in_languages(body, camera=label),
            users=people,
            data={"camera": str(camera.public_id), "status": camera.status},
            collapse_key=f"cctv-{camera.code}"[:64],
            source="cctv",
        )


def cctv_purge_history(*, now: datetime | None = None) -> dict[str, int]:
    """Retention: hourly counts past 8 days, status changes past 90 days, stream sessions a
    day after they expired (their addresses with them)."""
    now = now or timezone.now()
    return {
        "uptime_buckets": delete_in_batches(
            UptimeBucket.objects.filter(hour__lt=now - timedelta(days=HISTORY_DAYS))
        ),
        "status_changes": delete_in_batches(
            StatusChange.objects.filter(at__lt=now - timedelta(days=STATUS_HISTORY_DAYS))
        ),
        "stream_sessions": delete_in_batches(
            StreamSession.objects.filter(expires_at__lt=now - timedelta(days=1))
        ),
    }
