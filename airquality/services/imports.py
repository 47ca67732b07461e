"""CSV history: readings (`station,parameter,value,unit,time`) through the intake, and the
city's published daily ISPU (Satu Data Jakarta's format) into PublishedIspu.

The published files are dirty (../shared/data/README.txt): blank and TIDAK ADA DATA rows, a
run of rows whose columns are shifted (a number where the station should be), a removed PM2.5
column, rows whose critical pollutant or category contradicts their own sub-indices. Each such
row is reported with its line and reason and skipped; every other row is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from airquality import indexes
from airquality.models import PublishedIspu, Station

PUBLISHED_COLUMNS = {"tanggal", "stasiun", "max", "critical", "categori"}
READING_COLUMNS = {"station", "parameter", "value", "unit", "time"}
POLLUTANTS = ("pm25", "pm10", "so2", "co", "o3", "no2")
CATEGORY_OF_FILE = {
    "BAIK": "baik",
    "SEDANG": "sedang",
    "TIDAK SEHAT": "tidak_sehat",
    "SANGAT TIDAK SEHAT": "sangat_tidak_sehat",
    "BERBAHAYA": "berbahaya",
}
STATION_PATTERN = re.compile(r"^\s*(DKI\d+)\b")


class UnknownFormat(ValueError):
    """A CSV whose header matches none of the formats the importer reads."""


@dataclass
class ImportReport:
    stored: int = 0
    duplicates: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def csv_format(columns: Iterable[str]) -> str:
    columns = {c.strip().lower() for c in columns if c}
    if columns >= PUBLISHED_COLUMNS:
        return "published"
    if columns >= READING_COLUMNS:
        return "readings"
    raise UnknownFormat(
        "columns must be station,parameter,value,unit,time or the Jakarta ISPU format "
        "(tanggal,stasiun,pm10,…,max,critical,categori)"
    )


def _day(text: str) -> date:
    text = text.strip()
    if "-" in text:
        return date.fromisoformat(text[:10])
    try:
        return datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        return datetime.strptime(text, "%d/%m/%Y").date()  # a few 2020 rows


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text or text.upper() in ("TIDAK ADA DATA", "-", "NA", "NAN"):
        return None
    value = float(text)
    if value < 0 or value > 2000:
        raise ValueError(text)
    return value


def published_row(row: dict[str, Any], stations: dict[str, int]) -> PublishedIspu | str:
    """A PublishedIspu from one row of the city's file, or the reason it is skipped."""
    match = STATION_PATTERN.match(row.get("stasiun") or "")
    if match is None:
        return "no station code (shifted columns?)"
    station_id = stations.get(match.group(1))
    if station_id is None:
        return f"unknown station {match.group(1)}"
    try:
        day = _day(row.get("tanggal") or "")
    except ValueError:
        return "unreadable date"
    category_text = (row.get("categori") or "").strip().upper()
    if category_text not in CATEGORY_OF_FILE:
        return "no data" if "TIDAK ADA" in category_text or not category_text else "bad category"
    try:
        subs = {p: _number(row.get(p)) for p in POLLUTANTS}
        top = _number(row.get("max"))
    except ValueError:
        return "a sub-index is not a number"
    critical = (row.get("critical") or "").strip().lower()
    if top is None or critical not in POLLUTANTS:
        return "no max or critical pollutant"
    if "pm25" not in row and critical == "pm25":
        subs["pm25"] = top  # the file lost its PM2.5 column: `max` is that day's PM2.5
    if subs.get(critical) != top:
        return "the critical pollutant is not the highest sub-index (shifted columns?)"
    present = {p: v for p, v in subs.items() if v is not None}
    if max(present.values()) != top:
        return "max is not the highest sub-index"
    table = indexes.ispu_table_for(day)
    category = CATEGORY_OF_FILE[category_text]
    if table.category_of(round(top)).code != category:
        return f"category {category_text} contradicts ISPU {top:g} ({table.version})"
    return PublishedIspu(
        station_id=station_id,
        day=day,
        ispu=round(top),
        critical=critical,
        category=category,
        **{p: (round(v) if v is not None else None) for p, v in subs.items()},
    )


@transaction.atomic
def published_ispu_store(items: list[PublishedIspu]) -> int:
    """Upsert on station + day: importing a file twice changes nothing."""
    PublishedIspu.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["station", "day"],
        update_fields=[*POLLUTANTS, "ispu", "critical", "category"],
    )
    return len(items)


def station_ids() -> dict[str, int]:
    return dict(Station.objects.values_list("code", "pk"))
