"""Stations: the seeded network, locating each one's kelurahan, and staff edits."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from airquality.models import Station
from jaki.regions.selectors import locate_kelurahan

# DKI1-DKI5 are DLH DKI Jakarta's reference stations (DOMAIN.md); the coordinates are the
# sites' approximate positions (no official metadata file exists, ../shared/data/README.txt).
SEED_STATIONS: tuple[dict[str, Any], ...] = (
    {"code": "DKI1", "name": "Bundaran HI", "lat": -6.1950, "lon": 106.8230,
     "kind": Station.Kind.REFERENCE, "operator": "DLH DKI Jakarta"},
    {"code": "DKI2", "name": "Kelapa Gading", "lat": -6.1536, "lon": 106.9103,
     "kind": Station.Kind.REFERENCE, "operator": "DLH DKI Jakarta"},
    {"code": "DKI3", "name": "Jagakarsa", "lat": -6.3570, "lon": 106.8030,
     "kind": Station.Kind.REFERENCE, "operator": "DLH DKI Jakarta"},
    {"code": "DKI4", "name": "Lubang Buaya", "lat": -6.2889, "lon": 106.9096,
     "kind": Station.Kind.REFERENCE, "operator": "DLH DKI Jakarta"},
    {"code": "DKI5", "name": "Kebon Jeruk", "lat": -6.1939, "lon": 106.7693,
     "kind": Station.Kind.REFERENCE, "operator": "DLH DKI Jakarta"},
    {"code": "USEMB-C", "name": "Jakarta Central (US Embassy)", "lat": -6.1820,
     "lon": 106.8342, "kind": Station.Kind.REFERENCE, "operator": "US Embassy Jakarta"},
    {"code": "USEMB-S", "name": "Jakarta South (US Embassy)", "lat": -6.2366, "lon": 106.7930,
     "kind": Station.Kind.REFERENCE, "operator": "US Embassy Jakarta"},
    {"code": "LC-TEBET", "name": "Tebet", "lat": -6.2262, "lon": 106.8545,
     "kind": Station.Kind.LOW_COST, "operator": "DLH DKI Jakarta"},
    {"code": "LC-CENGKARENG", "name": "Cengkareng", "lat": -6.1480, "lon": 106.7350,
     "kind": Station.Kind.LOW_COST, "operator": "DLH DKI Jakarta"},
    {"code": "LC-TJPRIOK", "name": "Tanjung Priok", "lat": -6.1210, "lon": 106.8790,
     "kind": Station.Kind.LOW_COST, "operator": "DLH DKI Jakarta"},
)  # fmt: skip


def stations_ensure(*, using: str = "default") -> int:
    """Create the seeded stations that are missing (staff edits of existing ones are kept);
    return how many were created."""
    existing = set(Station.objects.using(using).values_list("code", flat=True))
    missing = [Station(**s) for s in SEED_STATIONS if s["code"] not in existing]
    Station.objects.using(using).bulk_create(missing)
    return len(missing)


@transaction.atomic
def stations_locate(**_kwargs: Any) -> int:
    """Point each station at the kelurahan holding it (a lifecycle `regions_changed` handler
    too: new boundaries may move a station); return how many changed."""
    changed = 0
    for station in Station.objects.select_for_update().only("pk", "lat", "lon", "kelurahan_id"):
        kelurahan = locate_kelurahan(station.lat, station.lon)
        kelurahan_id = kelurahan.pk if kelurahan else None
        if kelurahan_id != station.kelurahan_id:
            Station.objects.filter(pk=station.pk).update(kelurahan_id=kelurahan_id)
            changed += 1
    return changed


def station_save(*, station: Station) -> Station:
    """Save a station edited by staff, its kelurahan found from its point."""
    kelurahan = locate_kelurahan(station.lat, station.lon)
    station.kelurahan = kelurahan
    station.save()
    return station
