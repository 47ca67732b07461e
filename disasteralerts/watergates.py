"""Water-gate readings and the rule that drafts a flood warning from them.

A reading is stored once per gate and time (a gauge retrying, a snapshot loaded twice). When
the newest reading of a gate reaches Siaga 2 or 1, a flood warning for the gate's downstream
kelurahan is drafted from the template, pending an approver: once per rise, not per reading.
A rise is over when the gate is back at Siaga 4; within it, a further draft comes only if the
water climbs to a more severe level (Siaga 2, then Siaga 1). Late readings (older than the
gate's newest, or than ALERTS_GATE_READING_MAX_AGE_MINUTES) are stored but draft nothing: a
replayed batch must not warn about yesterday's water.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from disasteralerts import services
from disasteralerts.models import Alert, GateReading, WaterGate
from jaki.api import Conflict

logger = logging.getLogger(__name__)

LEVEL_MIN_CM, LEVEL_MAX_CM = -1000, 5000  # Waduk Pluit reads -190 cm; no gate reads 50 m
FUTURE_SLACK = timedelta(minutes=5)  # a gauge's clock may run a little ahead
DRAFT_AT = (1, 2)  # Siaga 2 (kritis) and 1 (bencana)


class InvalidReading(ValidationError):
    """A reading no gauge sends (a level out of range, a time without offset): 400."""

    default_code = "invalid_reading"


class ReadingConflict(Conflict):
    default_code = "reading_conflict"
    default_detail = gettext_lazy(
        "This gate already has a different level for this time; readings are not overwritten."
    )


@dataclass
class Recorded:
    reading: GateReading
    created: bool
    alert: Alert | None = None


def reading_problems(level_cm: Any, measured_at: Any) -> dict[str, list[str]]:
    """What is wrong with a reading's values (empty when nothing): the API's 400 and the
    loader's refusal say the same."""
    errors: dict[str, list[str]] = {}
    if (
        isinstance(level_cm, bool)
        or not isinstance(level_cm, int | float)
        or not math.isfinite(level_cm)
        or not LEVEL_MIN_CM <= level_cm <= LEVEL_MAX_CM
    ):
        errors["level_cm"] = [
            _("A water level in cm between %(min)d and %(max)d.")
            % {"min": LEVEL_MIN_CM, "max": LEVEL_MAX_CM}
        ]
    if not isinstance(measured_at, datetime) or measured_at.tzinfo is None:
        errors["measured_at"] = [_("A time with its UTC offset.")]
    elif measured_at > timezone.now() + FUTURE_SLACK:
        errors["measured_at"] = [_("A reading cannot come from the future.")]
    elif measured_at.year < 2000:
        errors["measured_at"] = [_("A reading from before 2000 is not a gauge's.")]
    return errors


def reading_record(
    *,
    gate: WaterGate,
    measured_at: datetime,
    level_cm: float,
    source: str,
    source_ref: str = "",
    reported_siaga: int | None = None,
) -> Recorded:
    """Store one reading (idempotent on gate + time) and apply the rise rule to the gate.

    The same level again is the same reading (created False); a different level for a stored
    time is a ReadingConflict (409); values no gauge sends are an InvalidReading (400).
    """
    problems = reading_problems(level_cm, measured_at)
    if problems:
        raise InvalidReading(problems)
    with transaction.atomic():
        gate = WaterGate.objects.select_for_update().get(pk=gate.pk)
        existing = GateReading.objects.filter(gate=gate, measured_at=measured_at).first()
        if existing is not None:
            if existing.level_cm != float(level_cm):
                raise ReadingConflict()
            return Recorded(existing, created=False)
        siaga = gate.siaga(level_cm)
        if siaga is None and reported_siaga in (1, 2, 3, 4):
            siaga = reported_siaga
        reading = GateReading.objects.create(
            gate=gate,
            measured_at=measured_at,
            level_cm=float(level_cm),
            siaga=siaga,
            source=source,
            source_ref=source_ref[:128],
        )
        if gate.last_measured_at is not None and measured_at <= gate.last_measured_at:
            return Recorded(reading, created=True)  # late: history, not news
        gate.last_measured_at, gate.last_level_cm, gate.last_siaga = measured_at, level_cm, siaga
        alert = _rise_rule(gate, reading)
        gate.save(
            update_fields=["last_measured_at", "last_level_cm", "last_siaga", "drafted_siaga"]
        )
    return Recorded(reading, created=True, alert=alert)


def _rise_rule(gate: WaterGate, reading: GateReading) -> Alert | None:
    siaga = reading.siaga
    if siaga == 4:
        gate.drafted_siaga = None  # the rise is over
        return None
    if siaga not in DRAFT_AT or (gate.drafted_siaga is not None and siaga >= gate.drafted_siaga):
        return None
    max_age = timedelta(minutes=settings.ALERTS_GATE_READING_MAX_AGE_MINUTES)
    if timezone.now() - reading.measured_at > max_age or not gate.downstream_kelurahan:
        return None
    try:
        alert = services.alert_draft_from_template(
            hazard="flood",
            areas=[
                {
                    "description": gate.downstream_description or gate.name,
                    "kelurahan": gate.downstream_kelurahan,
                }
            ],
            source="watergate",
            source_ref=f"{gate.code}@{reading.measured_at.isoformat()} siaga{siaga}",
            pending=True,
        )
    except services.InvalidAlert as exc:  # a gate's data at fault: keep the reading, say so
        logger.error("Water gate %s at Siaga %s: no draft (%s)", gate.code, siaga, exc.detail)
        return None
    gate.drafted_siaga = siaga
    reading.alert = alert
    reading.save(update_fields=["alert"])
    return alert


# --- the DSDA snapshot ----------------------------------------------------------------------


def _wib(day: str, clock: str) -> datetime:
    naive = datetime.fromisoformat(f"{day}T{clock}")
    return timezone.make_aware(naive, timezone.get_fixed_timezone(7 * 60))


def dsda_snapshot_load(features: list[dict]) -> dict[str, int]:
    """DSDA flood-API records (the `pintu_air` and `pos_pengamatan` GeoJSON features): each
    gate found by its DSDA reference or created (without thresholds), its reading recorded,
    with DSDA's own Siaga for gates we hold no thresholds for. A malformed record is an
    InvalidReading naming it. Returns counts."""
    counts = {"gates_created": 0, "readings_created": 0, "readings_known": 0}
    for index, feature in enumerate(features):
        try:
            props = feature["properties"]
            kind = "pintu_air" if "pintu_air" in props else "pos_pengamatan"
            record = props[kind]
            ref = f"{kind}:{int(record['id'])}"
            name = str(record.get("name") or record.get("nama") or ref)
            lon, lat = (float(c) for c in feature["geometry"]["coordinates"][:2])
            measured_at = _wib(str(props["tanggal"]), str(props["jam"]))
            level_cm, reported = props["ketinggian"], props.get("status_siaga")
        except (KeyError, TypeError, ValueError):
            raise InvalidReading(
                {str(index): [_("Not a DSDA water-gate record (properties, geometry).")]}
            ) from None
        gate = WaterGate.objects.filter(dsda_ref=ref).first()
        if gate is None:
            code = slugify(name)[:50] or slugify(ref)
            if WaterGate.objects.filter(code=code).exists():
                code = f"{code}-{record['id']}"
            gate = WaterGate.objects.create(
                code=code,
                name=name,
                river=str(record.get("sistem_aliran") or ""),
                lat=lat,
                lon=lon,
                dsda_ref=ref,
            )
            counts["gates_created"] += 1
        result = reading_record(
            gate=gate,
            measured_at=measured_at,
            level_cm=level_cm,
            source="dsda",
            source_ref=f"dsda:{props.get('id', '')}",
            reported_siaga=reported,
        )
        counts["readings_created" if result.created else "readings_known"] += 1
    return counts
