"""Regions for tests, written through the services so bbox and rules hold as in production."""

from jaki.regions import services
from jaki.regions.demo import rectangle
from jaki.regions.models import Region

Bounds = tuple[float, float, float, float]


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


def kota(code: str = "3173", **kwargs) -> Region:
    return region(code=code, level=Region.Level.KOTA, **kwargs)


def kecamatan(code: str = "317308", **kwargs) -> Region:
    kwargs.setdefault("parent", kota())
    return region(code=code, level=Region.Level.KECAMATAN, **kwargs)


def kelurahan(code: str = "3173081001", **kwargs) -> Region:
    kwargs.setdefault("parent", kecamatan())
    return region(code=code, level=Region.Level.KELURAHAN, **kwargs)
