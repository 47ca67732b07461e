"""Complaints tests run on real Jakarta: the bundled official boundaries of Jakarta Pusat and
Jakarta Utara (all their kelurahan, with their offices), loaded before the cast is made, so
`cast.orgs.kel_gambir` is the real office of Kelurahan Gambir that Monas routes to."""

import json
from functools import cache
from importlib.resources import files

import pytest

from jaki.regions.models import Region
from jaki.regions.services import RegionInput, regions_bulk_upsert

WILAYAH = files("jaki.regions") / "wilayah"
KOTA = ("31.71", "31.72")  # Jakarta Pusat, Jakarta Utara

MONAS = (-6.1754, 106.8272)  # Kelurahan Gambir, 31.71.01.1001
KOJA = (-6.1180, 106.9060)  # Kelurahan Koja, 31.72.04.1001 (another kota)
OUTSIDE = (-6.40, 106.60)  # Tangerang: not Jakarta
SEA = (-5.90, 106.90)


@cache
def _features(name: str) -> list[dict]:
    data = json.loads((WILAYAH / name).read_text())
    return [f for f in data["features"] if f["properties"]["kode"].startswith(KOTA)]


def load_map() -> None:
    parents: dict[str, Region] = {}
    for level, name in [
        (Region.Level.KOTA, "dki_jakarta_kota_kepmendagri_2025.geojson"),
        (Region.Level.KECAMATAN, "dki_jakarta_kecamatan_kepmendagri_2025.geojson"),
        (Region.Level.KELURAHAN, "dki_jakarta_kelurahan_kepmendagri_2025.geojson"),
    ]:
        items = [
            RegionInput(
                code=f["properties"]["kode"],
                name=f["properties"]["nama"],
                parent=parents.get(f["properties"].get("parent", "")),
                boundary=f["geometry"],
            )
            for f in _features(name)
        ]
        regions_bulk_upsert(level=level, items=items)
        parents = {r.code: r for r in Region.objects.filter(level=level)}


@pytest.fixture(autouse=True)
def jakarta_map(db) -> None:
    load_map()
