"""Air-quality tests: the seeded stations (DKI1…), readings posted as sensors post them, and
API keys issued the platform's way."""

from datetime import UTC, datetime, timedelta

import pytest

from airquality.models import Station
from airquality.permissions import INGEST_SCOPE
from jaki.apikeys.services import api_key_create

NOW = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # 10:30 in Jakarta
MONAS = (-6.1754, 106.8272)  # nearest station: DKI1 Bundaran HI / US Embassy central


def reading(station="DKI1", parameter="pm25", value=30.0, unit="µg/m³", time=None, **extra):
    time = time or NOW - timedelta(minutes=10)
    return {
        "station": station,
        "parameter": parameter,
        "value": value,
        "unit": unit,
        "time": time.isoformat() if isinstance(time, datetime) else time,
        **extra,
    }


def hours_of(value: float, *, station="DKI1", parameter="pm25", hours=3, end=NOW):
    """One reading an hour for `hours` hours up to `end`: enough for a NowCast."""
    return [
        reading(station, parameter, value, time=end - timedelta(hours=h, minutes=5))
        for h in range(hours)
    ]


@pytest.fixture
def stations(db):
    return {s.code: s for s in Station.objects.all()}


@pytest.fixture
def ingest_key(db):
    return api_key_create(name="DLH sensors", scopes=[INGEST_SCOPE]).plaintext


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW
