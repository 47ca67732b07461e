"""The in-memory point -> kelurahan index, built once per process and rebuilt when regions change.

Locating must be cheap enough to run on every complaint and every device location update, so
it never queries the database: the kelurahan boundaries live in a shapely STRtree (prepared
geometries), and in front of it a uniform grid answers most points without touching GEOS. A
cell that lies inside one kelurahan (and touches no other) holds the answer, and a cell that
touches no kelurahan holds None. A boundary cell holds its candidates in code order.

A point on a shared edge belongs to every kelurahan it touches; the one with the lowest code
wins, on both the single and the batch path, so the answer never depends on load order.

A point in no kelurahan but within REGIONS_LOCATE_TOLERANCE_M metres (50 by default) of one
belongs to the nearest: official files are simplified level by level, so their coasts and
seams differ by metres, and a pin dropped on a pier or a kecamatan's own inner point must not
answer "outside Jakarta". Only cells within that distance of a kelurahan pay for the search.

The same tree answers area -> kelurahan (`LocateIndex.covering`) for warning areas.

Freshness: a Region write drops this process's index at once (signals.py) and, after commit,
bumps a version number in Django's cache. Every process compares that version with its own at
most every REGIONS_INDEX_CHECK_SECONDS and rebuilds when they differ.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from jaki.process_copy import ProcessCopy
from jaki.regions.geo import METRES_PER_DEGREE, Area, Circle
from jaki.regions.models import Region

logger = logging.getLogger(__name__)

VERSION_CACHE_KEY = "regions:locate-index-version"

# Cells along the longer side of the kelurahan bounds: 16 per kelurahan "side" (16 * sqrt(n)),
# at most 256. For Jakarta's 253 kelurahan that answers ~85% of points without a geometry test
# and builds in about 0.3 s; the few kelurahan of tests and the demo get a small, quick grid.
GRID_CELLS_PER_KELURAHAN = 16
GRID_CELLS_MAX = 256
# Cells are classified on a box this much larger (degrees, ~0.1 mm) than the cell itself, so
# rounding in the cell arithmetic can never hand a point to an "inside" cell it is not in.
_CELL_MARGIN = 1e-9
_EMPTY, _BOUNDARY = -1, -2


@dataclass(frozen=True, slots=True)
class RegionRef:
    """A region as services reference it: `id` is the Region's primary key, for a foreign key
    (`complaint.kelurahan_id = ref.id`) without a query; refs are equal when their codes are."""

    code: str
    name: str
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class LocateResult:
    """Where a point is. Kecamatan and kota are None only for a kelurahan loaded without one."""

    kelurahan: RegionRef
    kecamatan: RegionRef | None
    kota: RegionRef | None


class LocateIndex:
    """Answers point -> kelurahan from memory; immutable once built, so threads share it."""

    def __init__(
        self,
        entries: Sequence[tuple[BaseGeometry, LocateResult]],
        *,
        cells: int | None = None,
        tolerance_m: float = 0.0,
    ):
        # Entries come sorted by kelurahan code: position = tie-break priority.
        self.size = len(entries)
        self.tolerance_m = float(tolerance_m)
        self._margin = 0.0
        self._geoms = np.array([geom for geom, _ in entries], dtype=object)
        self._results = [result for _, result in entries]
        # Batch answers are positions into this array; the extra last slot means "nowhere".
        self._results_or_none = np.array([*self._results, None], dtype=object)
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        if self.size:
            if cells is None:
                cells = round(GRID_CELLS_PER_KELURAHAN * math.sqrt(self.size))
                cells = min(max(cells, GRID_CELLS_PER_KELURAHAN), GRID_CELLS_MAX)
            self._build_grid(cells)
        else:  # an empty box: every point is outside
            self._min_lon = self._min_lat = math.inf
            self._max_lon = self._max_lat = -math.inf
            self._cols = self._rows = 1
            self._inv_cell = 0.0
            self._kind = np.array([_EMPTY])
            self._cells: list = [None]

    def _build_grid(self, cells: int) -> None:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in shapely.total_bounds(self._geoms))
        # The tolerance in degrees, generous in longitude (a degree shrinks away from the
        # equator); the exact distance is tested in metres.
        widest = math.cos(math.radians(min(max(abs(min_lat), abs(max_lat)), 89.0)))
        margin = self._margin = self.tolerance_m / (METRES_PER_DEGREE * widest)
        min_lon, min_lat, max_lon, max_lat = (
            min_lon - margin,
            min_lat - margin,
            max_lon + margin,
            max_lat + margin,
        )
        self._min_lon, self._min_lat, self._max_lon, self._max_lat = (
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        )
        cell = max(max_lon - min_lon, max_lat - min_lat) / cells
        self._cols = max(1, math.ceil((max_lon - min_lon) / cell))
        self._rows = max(1, math.ceil((max_lat - min_lat) / cell))
        self._inv_cell = 1.0 / cell

        n_cells = self._cols * self._rows
        col = np.arange(n_cells) % self._cols
        row = np.arange(n_cells) // self._cols
        boxes = shapely.box(
            min_lon + col * cell - _CELL_MARGIN,
            min_lat + row * cell - _CELL_MARGIN,
            min_lon + (col + 1) * cell + _CELL_MARGIN,
            min_lat + (row + 1) * cell + _CELL_MARGIN,
        )
        cell_ids, geom_ids = self._tree.query(boxes, predicate="intersects")
        counts = np.bincount(cell_ids, minlength=n_cells)
        single = np.flatnonzero(counts == 1)
        only = np.full(n_cells, -1)
        only[cell_ids] = geom_ids  # for a cell with one candidate, that candidate
        inside = shapely.contains(self._geoms[only[single]], boxes[single])
        if margin:  # candidates: every kelurahan within the tolerance of the cell
            near = shapely.buffer(boxes, margin, join_style="mitre")
            cell_ids, geom_ids = self._tree.query(near, predicate="intersects")
            counts = np.bincount(cell_ids, minlength=n_cells)
        order = np.lexsort((geom_ids, cell_ids))
        cell_ids, geom_ids = cell_ids[order], geom_ids[order]

        kind = np.where(counts == 0, _EMPTY, _BOUNDARY)
        kind[single[inside]] = only[single[inside]]
        self._kind = kind

        # The single-point path reads plain Python objects: no numpy scalars in the hot loop.
        cells_list: list = [None] * n_cells
        starts = np.searchsorted(cell_ids, np.arange(n_cells))
        ends = np.searchsorted(cell_ids, np.arange(n_cells), side="right")
        for i, k in enumerate(kind.tolist()):
            if k >= 0:
                cells_list[i] = self._results[k]
            elif k == _BOUNDARY:
                cells_list[i] = tuple(
                    (self._geoms[g], self._results[g])
                    for g in geom_ids[starts[i] : ends[i]].tolist()
                )
        self._cells = cells_list
        if margin:
            self._candidates = {
                i: geom_ids[starts[i] : ends[i]] for i in np.flatnonzero(kind == _BOUNDARY).tolist()
            }
            self._metre_x = METRES_PER_DEGREE * math.cos(math.radians((min_lat + max_lat) / 2))
            self._metric = shapely.transform(
                self._geoms, lambda coords: coords * [self._metre_x, METRES_PER_DEGREE]
            )

    def locate(self, lat: float, lon: float) -> LocateResult | None:
        lat = float(lat)
        lon = float(lon)
        # NaN fails every comparison, so it lands here too.
        if not (self._min_lat <= lat <= self._max_lat and self._min_lon <= lon <= self._max_lon):
            return None
        col = int((lon - self._min_lon) * self._inv_cell)
        row = int((lat - self._min_lat) * self._inv_cell)
        if col >= self._cols:
            col = self._cols - 1
        if row >= self._rows:
            row = self._rows - 1
        cell = self._cells[row * self._cols + col]
        if type(cell) is tuple:
            for geom, result in cell:
                if shapely.intersects_xy(geom, lon, lat):
                    return result
            return self._nearest(lat, lon, row * self._cols + col) if self.tolerance_m else None
        return cell

    def _nearest(self, lat: float, lon: float, cell: int) -> LocateResult | None:
        """The nearest of a cell's candidates within the tolerance (lowest code on a tie).

        Measured on one flat metric frame for the whole index (x scaled by the cosine of its
        middle latitude): across Jakarta that is within 0.2% of the true distance, 10 cm at 50 m.
        """
        candidates = self._candidates[cell]
        point = shapely.points(lon * self._metre_x, lat * METRES_PER_DEGREE)
        distances = shapely.distance(self._metric[candidates], point)
        best = int(np.argmin(distances))  # the first of equals: candidates are in code order
        if distances[best] <= self.tolerance_m:
            return self._results[candidates[best]]
        return None

    def _nearest_many(self, lats: np.ndarray, lons: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """_nearest() for many points at once (positions, `self.size` for none), same answers."""
        answer = np.full(lats.shape, self.size, dtype=np.intp)
        if not lats.size:
            return answer
        candidates = [self._candidates[c] for c in cells.tolist()]
        lengths = np.fromiter(map(len, candidates), dtype=np.intp, count=len(candidates))
        pair_point = np.repeat(np.arange(lats.size), lengths)
        pair_geom = np.concatenate(candidates)
        points = shapely.points(lons * self._metre_x, lats * METRES_PER_DEGREE)
        distances = shapely.distance(self._metric[pair_geom], points[pair_point])
        close = distances <= self.tolerance_m
        pair_point, pair_geom, distances = pair_point[close], pair_geom[close], distances[close]
        order = np.lexsort((pair_geom, distances, pair_point))  # nearest, then lowest code
        chosen, first = np.unique(pair_point[order], return_index=True)
        answer[chosen] = pair_geom[order][first]
        return answer

    def locate_many(
        self, lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray
    ) -> list[LocateResult | None]:
        """The batch form of locate(): same answers, vectorised through the grid and the STRtree."""
        lats = np.asarray(lats, dtype=float).ravel()
        lons = np.asarray(lons, dtype=float).ravel()
        if lats.shape != lons.shape:
            raise ValueError("lats and lons must have the same length")
        nowhere = self.size
        found = np.full(lats.shape, nowhere, dtype=np.intp)
        inside = np.flatnonzero(
            (lats >= self._min_lat)
            & (lats <= self._max_lat)
            & (lons >= self._min_lon)
            & (lons <= self._max_lon)
        )
        col = np.minimum(
            ((lons[inside] - self._min_lon) * self._inv_cell).astype(np.intp), self._cols - 1
        )
        row = np.minimum(
            ((lats[inside] - self._min_lat) * self._inv_cell).astype(np.intp), self._rows - 1
        )
        cell = row * self._cols + col
        kind = self._kind[cell]
        direct = kind >= 0
        found[inside[direct]] = kind[direct]

        todo = inside[kind == _BOUNDARY]
        points = shapely.points(lons[todo], lats[todo])
        point_ids, geom_ids = self._tree.query(points, predicate="intersects")
        best = np.full(todo.shape, nowhere, dtype=np.intp)
        np.minimum.at(best, point_ids, geom_ids)  # lowest code wins on shared edges
        found[todo] = best
        if self.tolerance_m:
            missed = best == nowhere
            found[todo[missed]] = self._nearest_many(
                lats[todo[missed]], lons[todo[missed]], cell[kind == _BOUNDARY][missed]
            )
        results = self._results_or_none[found].tolist()
        return results

    def covering(self, area: Area, *, min_share: float = 0.0) -> list[RegionRef]:
        """The kelurahan an area reaches, in code order; see selectors.kelurahan_covering."""
        if not self.size:
            return []
        hits: set[int] = set()
        if area.union is not None:
            # Envelopes first (the tree), then the exact test against the prepared area.
            hits.update(self._tree.query(area.union, predicate="intersects").tolist())
        for circle in area.circles:
            near = self._tree.query(shapely.box(*circle.bounds))
            if near.size:
                distances = shapely.distance(
                    circle.to_local(self._geoms[near]), shapely.Point(0, 0)
                )
                hits.update(near[distances <= circle.radius_m].tolist())
        chosen = sorted(hits)
        if min_share > 0 and chosen:
            chosen = [
                i
                for i, share in zip(chosen, self._shares(area, chosen), strict=True)
                if share >= min_share
            ]
        return [self._results[i].kelurahan for i in chosen]

    def _shares(self, area: Area, positions: list[int]) -> np.ndarray:
        """The share of each kelurahan's own area that lies in `area`, on a flat metric frame."""
        min_lon, min_lat, max_lon, max_lat = area.bounds
        frame = Circle((min_lat + max_lat) / 2, (min_lon + max_lon) / 2, 0.0)
        parts = [frame.to_local(area.union)] if area.union is not None else []
        for circle in area.circles:
            x, y = shapely.get_coordinates(frame.to_local(shapely.Point(circle.lon, circle.lat)))[0]
            parts.append(shapely.Point(x, y).buffer(circle.radius_m, quad_segs=128))
        shape_ = shapely.union_all(parts)
        shapely.prepare(shape_)
        kelurahan = frame.to_local(self._geoms[positions])
        shares = np.ones(len(positions))
        partly = ~shapely.contains(shape_, kelurahan)
        if partly.any():
            cut = shapely.intersection(kelurahan[partly], shape_)
            shares[partly] = shapely.area(cut) / shapely.area(kelurahan[partly])
        return shares


def polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The Polygon/MultiPolygon part of a geometry (e.g. of what make_valid returns), or None."""
    polygons = [
        part
        for part in shapely.get_parts(shapely.get_parts(geom))
        if part.geom_type == "Polygon" and not part.is_empty
    ]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _load_entries() -> list[tuple[BaseGeometry, LocateResult]]:
    rows = (
        Region.objects.filter(level=Region.Level.KELURAHAN, boundary__isnull=False)
        .order_by("code")
        .values_list(
            "code",
            "name",
            "id",
            "boundary",
            "parent__code",
            "parent__name",
            "parent_id",
            "parent__parent__code",
            "parent__parent__name",
            "parent__parent_id",
        )
    )
    entries = []
    for code, name, pk, boundary, kec_code, kec_name, kec_pk, kota_code, kota_name, kota_pk in rows:
        try:
            geom = shape(boundary)
            if not geom.is_valid:
                geom = polygonal(shapely.make_valid(geom))
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
            geom = None
        if geom is None or geom.is_empty:
            # Services never store such a boundary; a hand-edited row must not break locate.
            logger.warning("Kelurahan %s has an unusable boundary; left out of locate.", code)
            continue
        entries.append(
            (
                geom,
                LocateResult(
                    kelurahan=RegionRef(code, name, pk),
                    kecamatan=RegionRef(kec_code, kec_name, kec_pk) if kec_code else None,
                    kota=RegionRef(kota_code, kota_name, kota_pk) if kota_code else None,
                ),
            )
        )
    return entries


# --- The process's index -------------------------------------------------------------------


def _build() -> LocateIndex:
    started = time.perf_counter()
    index = LocateIndex(_load_entries(), tolerance_m=settings.REGIONS_LOCATE_TOLERANCE_M)
    logger.info(
        "Built the locate index: %d kelurahan in %.0f ms.",
        index.size,
        (time.perf_counter() - started) * 1000,
    )
    return index


_copy: ProcessCopy[LocateIndex] = ProcessCopy(
    version_key=VERSION_CACHE_KEY,
    build=_build,
    check_seconds=lambda: settings.REGIONS_INDEX_CHECK_SECONDS,
)


def current_index() -> LocateIndex:
    """This process's index: built on first use, rebuilt after a change here or elsewhere."""
    return _copy.get()


def drop_local() -> None:
    """Forget this process's index; the next locate rebuilds it."""
    _copy.drop_local()


def invalidate() -> None:
    """Regions changed: rebuild here on next use, and tell other processes once committed.

    Called by the Region signals and explicitly after bulk writes, which send no signals.
    """
    _copy.invalidate()


def recheck_soon() -> None:
    """Re-read the shared version on the next call (the check interval setting changed)."""
    _copy.recheck_soon()
