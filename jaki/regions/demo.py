"""Demo regions for `seed_demo`: two kota, three kecamatan and five kelurahan of central Jakarta.

Kemendagri-style codes and rectangles at roughly the real places, small enough to read. Each
kecamatan is exactly tiled by its kelurahan (so every point in it locates), and each lies inside
its kota. Monas (-6.1754, 106.8272) falls in kelurahan Gambir.
"""

from collections import Counter
from typing import TextIO

from django.db import transaction

from jaki.regions import services
from jaki.regions.models import Region

KOTA, KECAMATAN, KELURAHAN = Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN

# (level, code, name, parent code, (min_lon, min_lat, max_lon, max_lat)); parents come first.
DEMO_REGIONS: list[tuple[str, str, str, str | None, tuple[float, float, float, float]]] = [
    (KOTA, "3173", "Jakarta Pusat", None, (106.795, -6.220, 106.880, -6.140)),
    (KOTA, "3171", "Jakarta Selatan", None, (106.680, -6.370, 106.970, -6.220)),
    (KECAMATAN, "317308", "Gambir", "3173", (106.800, -6.190, 106.840, -6.160)),
    (KECAMATAN, "317302", "Menteng", "3173", (106.820, -6.215, 106.860, -6.190)),
    (KECAMATAN, "317101", "Tebet", "3171", (106.840, -6.250, 106.870, -6.225)),
    (KELURAHAN, "3173081002", "Cideng", "317308", (106.800, -6.190, 106.815, -6.160)),
    (KELURAHAN, "3173081001", "Gambir", "317308", (106.815, -6.190, 106.840, -6.160)),
    (KELURAHAN, "3173021001", "Menteng", "317302", (106.820, -6.215, 106.845, -6.190)),
    (KELURAHAN, "3173021002", "Pegangsaan", "317302", (106.845, -6.215, 106.860, -6.190)),
    (KELURAHAN, "3171011001", "Tebet Timur", "317101", (106.840, -6.250, 106.870, -6.225)),
]


def rectangle(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict:
    """A GeoJSON Polygon, counter-clockwise as RFC 7946 asks."""
    ring = [
        [min_lon, min_lat],
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@transaction.atomic
def seed(*, stdout: TextIO) -> None:
    """Create or update the demo regions by code; running it again changes nothing."""
    saved: dict[str, Region] = {}
    outcomes: Counter = Counter()
    for level, code, name, parent_code, bounds in DEMO_REGIONS:
        region, outcome = services.region_upsert(
            code=code,
            name=name,
            level=level,
            parent=saved[parent_code] if parent_code else None,
            boundary=rectangle(*bounds),
        )
        saved[code] = region
        outcomes[outcome] += 1
    levels = Counter(level for level, *_ in DEMO_REGIONS)
    stdout.write(
        f"Regions: {levels[KOTA]} kota, {levels[KECAMATAN]} kecamatan, {levels[KELURAHAN]} "
        f"kelurahan ({outcomes['created']} created, {outcomes['updated']} updated, "
        f"{outcomes['unchanged']} unchanged).\n"
    )
