"""Region reads: lists for the API and the importer, and the geography every service uses.

Services call these instead of touching regions' models:
- `locate` / `locate_many` (point -> kelurahan, kecamatan, kota as RegionRefs, whose `id` a
  service stores as its foreign key) and `locate_kelurahan` (the Region row itself);
- `kelurahan_covering` (a warning area -> the kelurahan it reaches);
- `nearby` and `within_bbox` for any table with lat/lon columns (devices, complaints, stations,
  cameras).
The first two answer from the in-memory index (index.py), with no query once it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jaki.process_copy import loaded_instance
from jaki.regions.geo import (
    Area,
    BBox,
    InvalidArea,
    bbox_around,
    haversine_m,
    valid_bbox,
    valid_point,
    valid_radius,
)
from jaki.regions.index import LocateResult, RegionRef, current_index
from jaki.regions.models import Region

__all__ = [
    "Area",
    "InvalidArea",
    "LocateResult",
    "RegionRef",
    "bbox_filter",
    "kelurahan_covering",
    "locate",
    "locate_kelurahan",
    "locate_many",
    "nearby",
    "region_get",
    "region_list",
    "regions_at_level",
    "within_bbox",
]

M = TypeVar("M", bound=Model)


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


def region_of(ref: RegionRef, level: str) -> Region:
    """The Region a located ref names, without a query: id, code, name and level are loaded
    and the other fields deferred (read from the database only if touched), so a service can
    set a foreign key and show the region's name in one go."""
    return loaded_instance(Region, id=ref.id, code=ref.code, name=ref.name, level=level)


def locate_kelurahan(lat: float, lon: float) -> Region | None:
    """The kelurahan Region holding a point, for a service's foreign key: one query by primary
    key (boundary left out), none when the point is outside every kelurahan."""
    found = current_index().locate(lat, lon)
    if found is None:
        return None
    return Region.objects.defer("boundary").filter(pk=found.kelurahan.id).first()


def kelurahan_covering(
    area: Area | dict | list[dict], *, min_share: float = 0.0
) -> list[RegionRef]:
    """The kelurahan a warning area reaches, in code order, from memory (no query).

    `area` is a GeoJSON Polygon/MultiPolygon (lon/lat), a circle `{"type": "Circle", "lat",
    "lon", "radius_m"}` (or `radius_km`, CAP's unit), or a list of them (their union); an
    invalid one raises InvalidArea (400). Covered means *intersects*: a kelurahan the area
    touches at all is in, so nobody inside the area is left out of a warning. With `min_share`
    (0 to 1], a kelurahan is in only when at least that share of its own area lies inside:
    use e.g. 0.5 for an area drawn from another map (a kota boundary from another file), whose
    edges differ from the kelurahan's by metres and would otherwise reach every neighbour.
    """
    if not isinstance(area, Area):
        area = Area(area)
    try:
        min_share = float(min_share)
    except (TypeError, ValueError):
        min_share = float("nan")
    if not 0 <= min_share <= 1:  # NaN fails too
        raise InvalidArea(_("The minimum share is between 0 and 1."))
    return current_index().covering(area, min_share=min_share)


def within_bbox(
    queryset: QuerySet[M], bbox: Sequence[float], *, lat_field: str = "lat", lon_field: str = "lon"
) -> QuerySet[M]:
    """Rows whose point lies in a (min_lon, min_lat, max_lon, max_lat) box, edges included.

    Two BETWEENs, so a (lat, lon) index serves it; rows without a point never match. A box
    across the antimeridian (min_lon > max_lon) or with non-finite edges raises InvalidArea.
    """
    return queryset.filter(bbox_filter(bbox, lat_field=lat_field, lon_field=lon_field))


def bbox_filter(bbox: Sequence[float], *, lat_field: str = "lat", lon_field: str = "lon") -> Q:
    """within_bbox's condition as a Q, to combine with others (`Q(...) | bbox_filter(...)`)."""
    min_lon, min_lat, max_lon, max_lat = valid_bbox(bbox)
    return Q(
        **{f"{lat_field}__range": (min_lat, max_lat), f"{lon_field}__range": (min_lon, max_lon)}
    )


def nearby(
    queryset: QuerySet[M],
    *,
    lat: float,
    lon: float,
    radius_m: float,
    lat_field: str = "lat",
    lon_field: str = "lon",
    limit: int | None = None,
) -> list[tuple[M, float]]:
    """Rows within radius_m metres of a point, nearest first, each with its distance in metres.

    The database narrows to the circle's bounding box (`within_bbox`, index-friendly) and
    returns only keys and points; the exact great-circle distance is computed here, and only
    the rows kept (at most `limit`) are then fetched whole, in one more query. Ties in distance
    are broken by primary key, so pages are stable.
    """
    lat, lon = valid_point(lat, lon)
    radius_m = valid_radius(radius_m)
    if limit is not None and limit < 1:
        raise InvalidArea(_("The limit is at least 1."))
    box: BBox = bbox_around(lat, lon, radius_m)
    rows = list(
        within_bbox(queryset, box, lat_field=lat_field, lon_field=lon_field)
        .order_by()
        .values_list("pk", lat_field, lon_field)
    )
    if not rows:
        return []
    pks = np.array([row[0] for row in rows], dtype=object)
    distances = haversine_m(lat, lon, [row[1] for row in rows], [row[2] for row in rows])
    keep = np.flatnonzero(distances <= radius_m)
    order = sorted(keep.tolist(), key=lambda i: (distances[i], pks[i]))
    if limit is not None:
        order = order[:limit]
    objects = queryset.in_bulk([pks[i] for i in order]) if order else {}
    return [(objects[pks[i]], float(distances[i])) for i in order if pks[i] in objects]
