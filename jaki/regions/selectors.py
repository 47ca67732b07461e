"""Region reads: lists for the API and the importer, and point -> kelurahan for everyone.

`locate` and `locate_many` are what other apps call (a complaint's kelurahan, a device's area);
they answer from the in-memory index (index.py) and never query the database once it is built.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db.models import QuerySet

from jaki.regions.index import LocateResult, RegionRef, current_index
from jaki.regions.models import Region

__all__ = [
    "LocateResult",
    "RegionRef",
    "locate",
    "locate_many",
    "region_get",
    "region_list",
    "regions_at_level",
]


def region_list(*, level: str | None = None, parent_code: str | None = None) -> QuerySet[Region]:
    """Regions without their (large) boundaries, each with its parent in the same query."""
    regions = Region.objects.select_related("parent").defer("boundary", "parent__boundary")
    if level:
        regions = regions.filter(level=level)
    if parent_code:
        regions = regions.filter(parent__code=parent_code)
    return regions.order_by("code")


def region_get(*, code: str) -> Region:
    """One region with its boundary and parent; raises Region.DoesNotExist."""
    return Region.objects.select_related("parent").defer("parent__boundary").get(code=code)


def regions_at_level(*, level: str) -> list[Region]:
    """Every region of a level, boundaries included: the candidate parents of an import."""
    return list(Region.objects.filter(level=level).order_by("code"))


def locate(lat: float, lon: float) -> LocateResult | None:
    """The kelurahan holding a WGS84 point, with its kecamatan and kota; None outside them all."""
    return current_index().locate(lat, lon)


def locate_many(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
) -> list[LocateResult | None]:
    """locate() for many points at once, vectorised: use it for batches of more than a few."""
    return current_index().locate_many(lats, lons)
