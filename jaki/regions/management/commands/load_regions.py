"""manage.py load_regions: kota, kecamatan or kelurahan boundaries from a GeoJSON file.

Two kinds of file arrive. Official ones (the bundled Kemendagri set, see `load_wilayah`) carry
each region's code and its parent's code: `--code-field kode --parent-code-field parent`, and the
parent is found by code. Many public files carry neither, so this command finds parents among the
regions already loaded (by normalised name, then a close name, then by location) and derives
stable codes from the parent's code and the name ("jakarta-selatan.kebayoran-baru"), so that
running it again updates rather than duplicates. A whole file is one transaction.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from tqdm import tqdm

from jaki.regions import selectors, services
from jaki.regions.models import Region

# A close name is only trusted when the child overlaps the suggested parent by this share.
CLOSE_NAME_CUTOFF = 0.8
CLOSE_NAME_MIN_OVERLAP = 0.1
WGS84_CRS_MARKERS = ("CRS84", "4326")


def display_name(raw: str) -> str:
    """ " Jakarta Selatan" -> "Jakarta Selatan", "KEBAYORAN BARU" -> "Kebayoran Baru".

    Only all-upper or all-lower names are re-cased; a mixed-case name is kept as its author wrote
    it. str.title() is avoided because it capitalises after apostrophes ("Jum'At").
    """
    name = " ".join(raw.split())
    if name.isupper() or name.islower():
        name = re.sub(r"[^\W\d_]+(?:'[^\W\d_]+)?", lambda m: m.group(0).capitalize(), name.lower())
    return name


def name_key(name: str) -> str:
    """What two spellings of one place share: "PAL MERAH" and "Palmerah" -> "palmerah"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_name.casefold())


def derive_code(name: str, parent: Region | None) -> str:
    slug = slugify(name) or hashlib.sha1(name.encode()).hexdigest()[:12]  # noqa: S324 (not security)
    code = f"{parent.code}.{slug}" if parent else slug
    if len(code) > 64:  # keep it unique and within the column
        code = f"{code[:55]}-{hashlib.sha1(code.encode()).hexdigest()[:8]}"  # noqa: S324
    return code


@dataclass(frozen=True)
class Match:
    parent: Region
    how: str  # "code", "name", "ambiguous name", "close name", "location", "overlap"


class ParentMatcher:
    """Finds a region's parent among the loaded regions of the level above."""

    def __init__(self, parents: list[Region]):
        self.by_key: dict[str, list[Region]] = defaultdict(list)
        self.codes: dict[str, Region] = {parent.code: parent for parent in parents}
        self.places: list[tuple[Region, BaseGeometry]] = []
        for parent in parents:
            self.by_key[name_key(parent.name)].append(parent)
            if parent.boundary:
                geom = shape(parent.boundary)
                shapely.prepare(geom)
                self.places.append((parent, geom))
        self.geom_of = {id(region): geom for region, geom in self.places}

    def by_code(self, value: str) -> Match | None:
        parent = self.codes.get(value)
        return Match(parent, "code") if parent is not None else None

    def by_name(self, value: str, geom: BaseGeometry) -> Match | None:
        key = name_key(value)
        candidates = self.by_key.get(key)
        if candidates:
            if len(candidates) == 1:
                return Match(candidates[0], "name")
            best = self._largest_overlap(geom, candidates)
            return Match(best[0], "ambiguous name") if best else None
        for close in difflib.get_close_matches(key, self.by_key, n=3, cutoff=CLOSE_NAME_CUTOFF):
            for candidate in self.by_key[close]:
                candidate_geom = self.geom_of.get(id(candidate))
                if candidate_geom is None or (
                    _overlap(geom, candidate_geom) >= CLOSE_NAME_MIN_OVERLAP
                ):
                    return Match(candidate, "close name")
        return None

    def by_place(self, geom: BaseGeometry) -> Match | None:
        point = geom.representative_point()
        containing = [region for region, place in self.places if place.contains(point)]
        if len(containing) == 1:
            return Match(containing[0], "location")
        best = self._largest_overlap(geom, containing or [region for region, _ in self.places])
        if best is None:
            return None
        return Match(best[0], "location" if containing else "overlap")

    def _largest_overlap(
        self, geom: BaseGeometry, regions: list[Region]
    ) -> tuple[Region, float] | None:
        scored = [
            (region, _overlap(geom, self.geom_of[id(region)]))
            for region in regions
            if id(region) in self.geom_of
        ]
        scored = [(region, share) for region, share in scored if share > 0]
        return max(scored, key=lambda pair: (pair[1], pair[0].code)) if scored else None


def _overlap(geom: BaseGeometry, other: BaseGeometry) -> float:
    """The share of geom's area inside other."""
    if not other.intersects(geom) or geom.area == 0:
        return 0.0
    return geom.intersection(other).area / geom.area


@dataclass
class Report:
    features: int = 0
    matched_by: Counter = field(default_factory=Counter)
    respelled: Counter = field(default_factory=Counter)  # (file's spelling, parent name) -> n
    fallbacks: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Load kota, kecamatan or kelurahan boundaries from a GeoJSON FeatureCollection (WGS84). "
        "Load the levels top-down: parents are found among the regions already loaded, by the "
        "code in --parent-code-field, else by the name in --parent-field, else by location. "
        "Without --code-field, codes are derived from the parent's code and the name, and a "
        "region whose parent cannot be found is not loaded (its code would not be stable). "
        "Official Kemendagri files: --name-field nama --code-field kode "
        "--parent-code-field parent (not for kota: their parent is the province)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A GeoJSON FeatureCollection.")
        parser.add_argument("--level", required=True, choices=Region.Level.values)
        parser.add_argument("--name-field", required=True, help="Property holding the name.")
        parser.add_argument("--code-field", help="Property holding a stable code, if any.")
        parents = parser.add_mutually_exclusive_group()
        parents.add_argument(
            "--parent-field",
            help="Property holding the parent's name; without it, parents are found by location.",
        )
        parents.add_argument(
            "--parent-code-field",
            help=(
                "Property holding the parent's code (e.g. “31.71.01” above kelurahan "
                "“31.71.01.1001”); a code naming no loaded region falls back to location."
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        level: str = options["level"]
        name_field: str = options["name_field"]
        code_field: str | None = options["code_field"]
        parent_field: str | None = options["parent_field"]
        parent_code_field: str | None = options["parent_code_field"]
        parent_level = services.PARENT_LEVEL[level]
        if parent_level is None and (parent_field or parent_code_field):
            # In Kemendagri files a kota's parent is the province ("31"), which is not stored.
            option = "--parent-field" if parent_field else "--parent-code-field"
            raise CommandError(f"A kota has no parent region: drop {option}.")

        features = read_features(path)
        check_fields(
            features,
            {
                "--name-field": name_field,
                "--code-field": code_field,
                "--parent-field": parent_field,
                "--parent-code-field": parent_code_field,
            },
        )
        report = Report(features=len(features))
        with transaction.atomic():
            matcher = None
            if parent_level is not None:
                parents = selectors.regions_at_level(level=parent_level)
                if not parents:
                    raise CommandError(
                        f"No {parent_level} is loaded yet. Load the {parent_level} file first: "
                        f"{level} regions find their parents among them."
                    )
                matcher = ParentMatcher(parents)
            items = []
            progress = tqdm(
                features, desc=f"{level}", unit=" features", file=sys.stderr, disable=None
            )
            for number, feature in enumerate(progress, start=1):
                item = self._read_feature(
                    number,
                    feature,
                    level=level,
                    name_field=name_field,
                    code_field=code_field,
                    parent_field=parent_field,
                    parent_code_field=parent_code_field,
                    matcher=matcher,
                    report=report,
                )
                if item is not None:
                    items.append(item)
            result = services.regions_bulk_upsert(level=level, items=items)
            report.skipped.extend(result.skipped)
            if options["dry_run"]:
                transaction.set_rollback(True)
        if options["verbosity"] > 0:
            self._summarise(path, level, parent_level, report, result, dry_run=options["dry_run"])

    def _read_feature(
        self,
        number: int,
        feature: dict,
        *,
        level: str,
        name_field: str,
        code_field: str | None,
        parent_field: str | None,
        parent_code_field: str | None,
        matcher: ParentMatcher | None,
        report: Report,
    ) -> services.RegionInput | None:
        properties = feature.get("properties") or {}
        raw_name = properties.get(name_field)
        if not isinstance(raw_name, str) or not raw_name.strip():
            report.skipped.append((f"feature #{number}", f"no name in “{name_field}”"))
            return None
        name = display_name(raw_name)
        code = None
        if code_field:
            raw_code = properties.get(code_field)
            code = str(raw_code).strip() if raw_code is not None else ""
            if not code:
                report.skipped.append((name, f"no code in “{code_field}”"))
                return None
        geometry = feature.get("geometry")
        if not geometry:
            report.skipped.append((name, "no geometry"))
            return None
        try:
            boundary, _bounds = services.boundary_clean(geometry)
        except services.InvalidRegion as exc:
            report.skipped.append((name, str(exc.detail)))
            return None

        parent = None
        if matcher is not None:
            parent = self._find_parent(
                name,
                properties,
                shape(boundary),
                level,
                parent_field,
                parent_code_field,
                matcher,
                report,
            )
            if parent is None and code is None:
                report.skipped.append((name, "no parent found, so no stable code to give it"))
                return None
        return services.RegionInput(
            code=code or derive_code(name, parent),
            name=name,
            parent=parent,
            boundary=boundary,
            label=name,
        )

    def _find_parent(
        self,
        name: str,
        properties: dict,
        geom: BaseGeometry,
        level: str,
        parent_field: str | None,
        parent_code_field: str | None,
        matcher: ParentMatcher,
        report: Report,
    ) -> Region | None:
        asked_field = parent_code_field or parent_field
        raw_parent = properties.get(asked_field) if asked_field else None
        written = " ".join(str(raw_parent).split()) if raw_parent is not None else ""
        match = None
        if written:
            match = (
                matcher.by_code(written) if parent_code_field else matcher.by_name(written, geom)
            )
        if match is None:
            match = matcher.by_place(geom)
        if match is None:
            report.matched_by["unmatched"] += 1
            report.unmatched.append(f"{name}" + (f" (“{written}”)" if written else ""))
            return None

        report.matched_by[match.how] += 1
        parent = match.parent
        if match.how == "name" and written.casefold() != parent.name.casefold():
            report.respelled[(written, parent.name)] += 1
        elif match.how not in ("code", "name") and (asked_field or match.how == "overlap"):
            # By code or name was asked for and failed, or location needed its last resort.
            asked = f" for “{written}”" if written else ""
            report.fallbacks.append(f"{level} {name}{asked} -> {parent.name}: {match.how}")
        return parent

    def _summarise(
        self,
        path: Path,
        level: str,
        parent_level: str | None,
        report: Report,
        result: services.BulkResult,
        *,
        dry_run: bool,
    ) -> None:
        out = self.stdout
        out.write(f"{path.name}: {report.features} {level} features")
        counts = (
            f"  created {len(result.created)}, updated {len(result.updated)}, "
            f"unchanged {len(result.unchanged)}, skipped {len(report.skipped)}"
        )
        out.write(self.style.SUCCESS(counts) if not report.skipped else self.style.WARNING(counts))
        if parent_level is not None:
            by = report.matched_by
            out.write(
                f"  parent {parent_level}: {by['code']} by code, "
                f"{by['name'] + by['ambiguous name']} by name, "
                f"{by['close name']} by close name, {by['location'] + by['overlap']} by location, "
                f"{by['unmatched']} unmatched"
            )
        if report.respelled:
            out.write("  Parent names spelled differently in this file, matched when normalised:")
            for (written, parent_name), count in sorted(report.respelled.items()):
                out.write(f"    “{written}” -> {parent_name} ({count} {level})")
        self._list("Parents found by a fallback (check them):", report.fallbacks)
        self._list(f"No parent {parent_level} found for:", report.unmatched)
        self._list("Skipped:", [f"{label}: {reason}" for label, reason in report.skipped])
        if dry_run:
            out.write(self.style.WARNING("Dry run: nothing was saved."))

    def _list(self, title: str, lines: list[str]) -> None:
        if lines:
            self.stdout.write(self.style.WARNING(f"  {title}"))
            for line in lines:
                self.stdout.write(f"    {line}")


def read_features(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, or a CommandError saying what is wrong."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    try:
        with path.open(encoding="utf-8-sig") as file:
            data = json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path} is not a JSON file: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CommandError(f"{path} is not a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list):
        raise CommandError(f"{path}: “features” is not a list.")
    crs = json.dumps(data.get("crs") or {})
    if data.get("crs") and not any(marker in crs for marker in WGS84_CRS_MARKERS):
        raise CommandError(f"{path} uses the CRS {crs}; convert it to WGS84 longitude/latitude.")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise CommandError(f"{path}: feature #{number} is not a GeoJSON Feature.")
    return features


def check_fields(features: list[dict], fields: dict[str, str | None]) -> None:
    """Every named property must exist in at least one feature: a typo fails before any write."""
    available: set[str] = set()
    for feature in features:
        available.update((feature.get("properties") or {}).keys())
    for option, name in fields.items():
        if name and features and name not in available:
            known = ", ".join(f"“{key}”" for key in sorted(available)[:40])
            more = " …" if len(available) > 40 else ""
            raise CommandError(
                f"{option} “{name}”: no feature has this property. Properties: {known}{more}"
            )
