"""The geometry of places and areas: distances, bounding boxes, warning areas. One copy for all.

Points are WGS84 degrees (lat/lon columns, GeoJSON's [lon, lat] order). An area is what a
warning or a notification targets: a GeoJSON Polygon or MultiPolygon, a circle, or a list of
them (their union). A circle is `{"type": "Circle", "lat": …, "lon": …, "radius_m": …}`;
`radius_km` is accepted instead of `radius_m` because CAP writes circles as "lat,lon radius_km"
(see `cap_circle`). Distances are great-circle (haversine, mean Earth radius); metric tests of
shapes (a circle against a kelurahan) run on a flat equirectangular projection centred on the
circle, which at Jakarta's scale is off by centimetres, not metres.

Areas crossing the antimeridian or a pole are refused: nothing JAKI serves lies near either,
and refusing is clearer than a bounding box that silently wraps the wrong way round.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from jaki.api import DomainError

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # along a meridian
# The largest circle an area may be: far more than Jakarta, far less than a hemisphere.
MAX_RADIUS_M = 1_000_000.0
# Segments per quarter circle when a circle is drawn as a polygon (for overlap shares): the
# polygon's edge lies within 0.002% of the radius (10 cm at 5 km) of the true circle.
CIRCLE_QUAD_SEGMENTS = 128

BBox = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat), GeoJSON order


class InvalidArea(DomainError):
    default_code = "invalid_area"
    default_detail = _("The area is not valid.")


def haversine_m(lat: float, lon: float, lats: Any, lons: Any) -> np.ndarray:
    """Great-circle distances in metres from (lat, lon) to each of (lats, lons); NaN stays NaN."""
    phi1, phi2 = np.radians(lat), np.radians(np.asarray(lats, dtype=float))
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lons, dtype=float) - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _finite(*values: Any) -> tuple[float, ...]:
    try:
        floats = tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise InvalidArea(_("Coordinates must be numbers.")) from exc
    if not all(math.isfinite(v) for v in floats):
        raise InvalidArea(_("Coordinates must be finite numbers."))
    return floats


def valid_point(lat: Any, lon: Any) -> tuple[float, float]:
    lat, lon = _finite(lat, lon)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidArea(
            _("A coordinate is out of range: latitude -90 to 90, longitude -180 to 180.")
        )
    return lat, lon


def valid_radius(radius_m: Any) -> float:
    (radius,) = _finite(radius_m)
    if not 0 < radius <= MAX_RADIUS_M:
        raise InvalidArea(
            _("The radius is more than 0 and at most %(max)d km.") % {"max": MAX_RADIUS_M // 1000}
        )
    return radius


def bbox_around(lat: float, lon: float, radius_m: float) -> BBox:
    """The smallest lat/lon box holding every point within radius_m of (lat, lon).

    Refused when it would cross a pole or the antimeridian.
    """
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    if abs(lat) + dlat >= 90:
        raise InvalidArea(_("The area reaches a pole."))
    # The widest point of the circle in longitude (exact on the sphere).
    dlon = math.degrees(
        math.asin(min(1.0, math.sin(radius_m / EARTH_RADIUS_M) / math.cos(math.radians(lat))))
    )
    if abs(lon) + dlon > 180:
        raise InvalidArea(_("The area crosses the antimeridian."))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def valid_bbox(bbox: Sequence[Any]) -> BBox:
    """A (min_lon, min_lat, max_lon, max_lat) box, checked; a wrapped box (min > max) is refused."""
    if len(bbox) != 4:
        raise InvalidArea(_("A bounding box is [min_lon, min_lat, max_lon, max_lat]."))
    min_lon, min_lat, max_lon, max_lat = _finite(*bbox)
    valid_point(min_lat, min_lon)
    valid_point(max_lat, max_lon)
    if min_lon > max_lon:
        raise InvalidArea(_("The area crosses the antimeridian."))
    if min_lat > max_lat:
        raise InvalidArea(_("A bounding box's minimum latitude is below its maximum."))
    return (min_lon, min_lat, max_lon, max_lat)


@dataclass(frozen=True, slots=True)
class Circle:
    lat: float
    lon: float
    radius_m: float

    @property
    def bounds(self) -> BBox:
        return bbox_around(self.lat, self.lon, self.radius_m)

    def contains(self, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
        return haversine_m(self.lat, self.lon, lats, lons) <= self.radius_m

    def to_local(self, geoms: Any) -> Any:
        """Geometries moved onto a flat metric frame centred on the circle (x east, y north)."""
        scale = np.array([METRES_PER_DEGREE * math.cos(math.radians(self.lat)), METRES_PER_DEGREE])
        origin = np.array([self.lon, self.lat])
        return shapely.transform(geoms, lambda coords: (coords - origin) * scale)

    def local_polygon(self) -> BaseGeometry:
        return shapely.Point(0, 0).buffer(self.radius_m, quad_segs=CIRCLE_QUAD_SEGMENTS)


def cap_circle(text: str) -> dict:
    """A CAP <circle> ("-6.2,106.8 5" : lat,lon radius in km) as an area part."""
    match = re.fullmatch(r"\s*([-+\d.eE]+)\s*,\s*([-+\d.eE]+)\s+([-+\d.eE]+)\s*", text or "")
    if not match:
        raise InvalidArea(_("A CAP circle is written 'lat,lon radius_km'."))
    lat, lon, radius_km = _finite(*match.groups())
    return {"type": "Circle", "lat": lat, "lon": lon, "radius_km": radius_km}


class Area:
    """A union of GeoJSON polygons (lon/lat) and circles: a warning's or a notification's area.

    Build it with `Area(spec)`; an invalid spec raises InvalidArea (400) naming the problem.
    `spec` is the normalised form (circles in metres) to store and build the same Area again.
    """

    def __init__(self, spec: dict | Sequence[dict]):
        parts = [spec] if isinstance(spec, dict) else list(spec) if _is_list(spec) else None
        if not parts:
            raise InvalidArea(_("An area is a GeoJSON polygon or a circle, or a list of them."))
        self.polygons: list[BaseGeometry] = []
        self.circles: list[Circle] = []
        self.spec: list[dict] = []
        for part in parts:
            if not isinstance(part, dict):
                raise InvalidArea(_("An area is a GeoJSON polygon or a circle."))
            if part.get("type") == "Circle":
                circle = _circle(part)
                self.circles.append(circle)
                self.spec.append(
                    {
                        "type": "Circle",
                        "lat": circle.lat,
                        "lon": circle.lon,
                        "radius_m": circle.radius_m,
                    }
                )
            else:
                self.polygons.append(_polygon(part))
                self.spec.append(part)
        self.union = shapely.union_all(self.polygons) if self.polygons else None
        if self.union is not None:
            shapely.prepare(self.union)
        self.bounds = self._bounds()

    def _bounds(self) -> BBox:
        boxes = [p.bounds for p in self.polygons] + [c.bounds for c in self.circles]
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def contains(self, lats: Any, lons: Any) -> np.ndarray:
        """Which points lie in the area (a polygon's edge counts as in); NaN points never do."""
        lats = np.asarray(lats, dtype=float)
        lons = np.asarray(lons, dtype=float)
        inside = np.zeros(len(lats), dtype=bool)
        known = ~(np.isnan(lats) | np.isnan(lons))
        if self.union is not None:
            inside[known] |= shapely.intersects_xy(self.union, lons[known], lats[known])
        for circle in self.circles:
            inside[known] |= circle.contains(lats[known], lons[known])
        return inside


def _is_list(spec: Any) -> bool:
    return isinstance(spec, list | tuple)


def _circle(part: dict) -> Circle:
    radii = [key for key in ("radius_m", "radius_km") if key in part]
    if "lat" not in part or "lon" not in part or len(radii) != 1:
        raise InvalidArea(_("A circle needs lat, lon and one of radius_m or radius_km."))
    lat, lon = valid_point(part["lat"], part["lon"])
    (radius,) = _finite(part[radii[0]])
    radius_m = valid_radius(radius * 1000 if radii[0] == "radius_km" else radius)
    circle = Circle(lat, lon, radius_m)
    circle.bounds  # noqa: B018 -- refuses a circle over a pole or the antimeridian
    return circle


def _polygon(part: dict) -> BaseGeometry:
    if part.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidArea(_("An area polygon must be a valid Polygon or MultiPolygon."))
    try:
        geometry = shape(part)
    except Exception as exc:  # shapely raises many kinds on malformed coordinates
        raise InvalidArea(_("An area polygon must be a valid Polygon or MultiPolygon.")) from exc
    if geometry.is_empty or not geometry.is_valid:
        raise InvalidArea(_("An area polygon must be a valid Polygon or MultiPolygon."))
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise InvalidArea(_("Coordinates must be finite numbers."))
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (min_lat >= -90 and max_lat <= 90 and min_lon >= -180 and max_lon <= 180):
        raise InvalidArea(
            _("A coordinate is out of range: latitude -90 to 90, longitude -180 to 180.")
        )
    if max_lon - min_lon > 180:
        # Drawn across ±180 it would go the long way round the Earth.
        raise InvalidArea(_("The area crosses the antimeridian."))
    return geometry
