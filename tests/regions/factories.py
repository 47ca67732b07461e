"""Regions for tests, written through the services so bbox and rules hold as in production.

`small_map` is a synthetic map for unit tests: rectangles at roughly the real places, with the
real Kemendagri codes and names, small enough to reason about (and quick to load). Each
kecamatan is exactly tiled by its kelurahan, and each lies inside its kota. Monas
(-6.1754, 106.8272) falls in kelurahan Gambir. Tests of the real map load the bundled set
(`load_wilayah`, the `wilayah` fixture) instead.
"""

from jaki.regions import services
from jaki.regions.models import Region

Bounds = tuple[float, float, float, float]
KOTA, KECAMATAN, KELURAHAN = Region.Level.KOTA, Region.Level.KECAMATAN, Region.Level.KELURAHAN

# (level, code, name, parent code, (min_lon, min_lat, max_lon, max_lat)); parents come first.
SMALL_MAP: list[tuple[str, str, str, str | None, Bounds]] = [
    (KOTA, "31.71", "Jakarta Pusat", None, (106.795, -6.220, 106.880, -6.140)),
    (KOTA, "31.74", "Jakarta Selatan", None, (106.680, -6.370, 106.970, -6.220)),
    (KECAMATAN, "31.71.01", "Gambir", "31.71", (106.800, -6.190, 106.840, -6.160)),
    (KECAMATAN, "31.71.06", "Menteng", "31.71", (106.820, -6.215, 106.860, -6.190)),
    (KECAMATAN, "31.74.01", "Tebet", "31.74", (106.840, -6.250, 106.870, -6.225)),
    (KELURAHAN, "31.71.01.1002", "Cideng", "31.71.01", (106.800, -6.190, 106.815, -6.160)),
    (KELURAHAN, "31.71.01.1001", "Gambir", "31.71.01", (106.815, -6.190, 106.840, -6.160)),
    (KELURAHAN, "31.71.06.1001", "Menteng", "31.71.06", (106.820, -6.215, 106.845, -6.190)),
    (KELURAHAN, "31.71.06.1002", "Pegangsaan", "31.71.06", (106.845, -6.215, 106.860, -6.190)),
    (KELURAHAN, "31.74.01.1001", "Tebet Timur", "31.74.01", (106.840, -6.250, 106.870, -6.225)),
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


def small_map() -> dict[str, Region]:
    """The synthetic map above, by code; loading it again changes nothing."""
    saved: dict[str, Region] = {}
    for level, code, name, parent_code, bounds in SMALL_MAP:
        saved[code] = region(
            code=code,
            level=level,
            name=name,
            parent=saved[parent_code] if parent_code else None,
            bounds=bounds,
        )
    return saved


def region(
    *,
    code: str,
    level: str,
    name: str | None = None,
    parent: Region | None = None,
    bounds: Bounds | None = (106.8, -6.2, 106.9, -6.1),
) -> Region:
    created, _outcome = services.region_upsert(
        code=code,
        name=name or code.title(),
        level=level,
        parent=parent,
        boundary=rectangle(*bounds) if bounds else None,
    )
    return created


def kota(code: str = "31.71", **kwargs) -> Region:
    return region(code=code, level=KOTA, **kwargs)


def kecamatan(code: str = "31.71.01", **kwargs) -> Region:
    kwargs.setdefault("parent", kota())
    return region(code=code, level=KECAMATAN, **kwargs)


def kelurahan(code: str = "31.71.01.1001", **kwargs) -> Region:
    kwargs.setdefault("parent", kecamatan())
    return region(code=code, level=KELURAHAN, **kwargs)
