"""Air-quality indexes: Indonesia's ISPU and the US EPA AQI, from concentrations in µg/m³.

The tables are data (DOMAIN.md section 3), versioned by the regulation that set them, so a
revision is a new table, never an edit of the logic:

- `ispu:2020` Permen LHK P.14/MENLHK/SETJEN/KUM.1/7/2020: breakpoints and categories;
- `ispu:1997` Kep-MENLH 45/1997: its categories only (101-199 Tidak Sehat, 200-299 Sangat
  Tidak Sehat), which Jakarta's published daily values before the 2020 regulation follow;
- `aqi:2024` US EPA, with the 2024 PM2.5 revision.

`ispu()` and `us_aqi()` return an `IndexValue`: the value, its category (code, Indonesian and
English name, colour) and health advice in `id` and `en`. `ispu_overall()` and `aqi_overall()`
take the sub-indices of a station and name the dominant pollutant ("parameter kritis").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

PARAMETERS = ("pm25", "pm10", "so2", "co", "o3", "no2", "hc")
# Ties of sub-indices go to the first of this order: the column order of the official tables,
# and the choice Jakarta's published data makes on every tied day.
DOMINANCE_ORDER = ("pm25", "pm10", "so2", "co", "o3", "no2", "hc")

# µg/m³ per ppb at 25 °C and 1 atm: molecular weight / 24.45 (DOMAIN.md).
UG_PER_PPB = {"so2": Decimal("2.620"), "no2": Decimal("1.882"), "o3": Decimal("1.963"),
              "co": Decimal("1.146")}  # fmt: skip

# Units a reading may come in, and their canonical spelling.
UNIT_ALIASES = {
    "µg/m³": "ug/m3",
    "μg/m³": "ug/m3",  # Greek mu as well as the micro sign
    "ug/m3": "ug/m3",
    "µg/m3": "ug/m3",
    "μg/m3": "ug/m3",
    "mg/m3": "mg/m3",
    "mg/m³": "mg/m3",
    "ppb": "ppb",
    "ppm": "ppm",
}

# Values beyond these (µg/m³) are not air but a broken sensor: refused at intake. Chosen well
# above the worst ever measured in Jakarta and below the instruments' saturation (*unverified*:
# data, to be tuned by the operators).
PLAUSIBLE_MAX = {
    "pm25": 2000.0,
    "pm10": 5000.0,
    "so2": 10000.0,
    "co": 150000.0,
    "o3": 5000.0,
    "no2": 10000.0,
    "hc": 20000.0,
}


class UnknownParameter(ValueError):
    """A pollutant the index tables do not cover."""


class UnknownUnit(ValueError):
    """A unit the conversion to µg/m³ does not know."""


class IndexUndefined(ValueError):
    """The index has no value for this parameter or concentration (e.g. US AQI for HC)."""


@dataclass(frozen=True)
class Category:
    code: str
    name_id: str
    name_en: str
    colour: str  # the official colour's name in the regulation
    hex: str  # for drawing
    advice_id: str
    advice_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name_id": self.name_id,
            "name_en": self.name_en,
            "colour": self.colour,
            "hex": self.hex,
        }


@dataclass(frozen=True)
class IndexValue:
    index: str  # "ispu" or "aqi"
    version: str
    parameter: str
    value: int
    category: Category

    @property
    def advice(self) -> dict[str, str]:
        return {"id": self.category.advice_id, "en": self.category.advice_en}


@dataclass(frozen=True)
class Overall:
    """A station's index: the highest sub-index, and the pollutant that made it."""

    index: str
    value: int
    category: Category
    dominant: str
    sub_indices: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Band:
    upper_value: int  # the band's top index value (inclusive, of the rounded index)
    category: Category


@dataclass(frozen=True)
class Table:
    version: str
    index: str
    bands: tuple[Band, ...]
    # parameter -> ascending (concentration, index) points; band n runs between point n-1 and n.
    breakpoints: Mapping[str, Sequence[tuple[Decimal, int]]] = field(default_factory=dict)
    averaging_hours: Mapping[str, int] = field(default_factory=dict)
    effective_from: date | None = None

    def category_of(self, value: int) -> Category:
        for band in self.bands:
            if value <= band.upper_value:
                return band.category
        return self.bands[-1].category


D = Decimal

ISPU_CATEGORIES = {
    "baik": Category(
        "baik", "Baik", "Good", "hijau", "#2E9E41",
        "Kualitas udara baik. Nikmati kegiatan di luar ruangan.",
        "Air quality is good. Enjoy being outdoors.",
    ),
    "sedang": Category(
        "sedang", "Sedang", "Moderate", "biru", "#1E5BC6",
        "Kelompok sensitif sebaiknya mengurangi aktivitas fisik yang lama atau berat di luar.",
        "Sensitive groups should reduce long or heavy exertion outdoors.",
    ),
    "tidak_sehat": Category(
        "tidak_sehat", "Tidak Sehat", "Unhealthy", "kuning", "#F2C500",
        "Kurangi aktivitas di luar ruangan dan pakai masker; kelompok sensitif tetap di dalam.",
        "Cut down on time outdoors and wear a mask; sensitive groups should stay inside.",
    ),
    "sangat_tidak_sehat": Category(
        "sangat_tidak_sehat", "Sangat Tidak Sehat", "Very Unhealthy", "merah", "#D7191C",
        "Hindari aktivitas di luar ruangan; tutup jendela dan pakai masker bila harus keluar.",
        "Avoid outdoor activity; keep windows shut and wear a mask if you must go out.",
    ),
    "berbahaya": Category(
        "berbahaya", "Berbahaya", "Hazardous", "hitam", "#1A1A1A",
        "Tetap di dalam ruangan. Cari pertolongan medis bila sesak napas.",
        "Stay indoors. Seek medical help if you have trouble breathing.",
    ),
}  # fmt: skip
ISPU_CATEGORY_ORDER = tuple(ISPU_CATEGORIES)

AQI_CATEGORIES = {
    "good": Category(
        "good", "Baik", "Good", "green", "#00E400",
        "Kualitas udara memuaskan.", "Air quality is satisfactory.",
    ),
    "moderate": Category(
        "moderate", "Sedang", "Moderate", "yellow", "#FFFF00",
        "Orang yang sangat sensitif sebaiknya mengurangi aktivitas berat di luar.",
        "Unusually sensitive people should reduce heavy exertion outdoors.",
    ),
    "unhealthy_sensitive": Category(
        "unhealthy_sensitive", "Tidak Sehat bagi Kelompok Sensitif",
        "Unhealthy for Sensitive Groups", "orange", "#FF7E00",
        "Kelompok sensitif sebaiknya mengurangi aktivitas lama atau berat di luar.",
        "Sensitive groups should reduce long or heavy exertion outdoors.",
    ),
    "unhealthy": Category(
        "unhealthy", "Tidak Sehat", "Unhealthy", "red", "#FF0000",
        "Semua orang sebaiknya mengurangi aktivitas berat di luar.",
        "Everyone should reduce heavy exertion outdoors.",
    ),
    "very_unhealthy": Category(
        "very_unhealthy", "Sangat Tidak Sehat", "Very Unhealthy", "purple", "#8F3F97",
        "Semua orang sebaiknya menghindari aktivitas berat di luar.",
        "Everyone should avoid heavy exertion outdoors.",
    ),
    "hazardous": Category(
        "hazardous", "Berbahaya", "Hazardous", "maroon", "#7E0023",
        "Semua orang sebaiknya tetap di dalam ruangan.", "Everyone should stay indoors.",
    ),
}  # fmt: skip


def _ispu_points(*uppers: str) -> tuple[tuple[Decimal, int], ...]:
    values = (0, 50, 100, 200, 300, 500)
    return tuple(zip((D(0), *map(D, uppers)), values, strict=True))


_c = ISPU_CATEGORIES
ISPU_2020 = Table(
    version="ispu:2020",
    index="ispu",
    bands=(
        Band(50, _c["baik"]),
        Band(100, _c["sedang"]),
        Band(200, _c["tidak_sehat"]),
        Band(300, _c["sangat_tidak_sehat"]),
        Band(500, _c["berbahaya"]),
    ),
    breakpoints={
        "pm10": _ispu_points("50", "150", "350", "420", "500"),
        "pm25": _ispu_points("15.5", "55.4", "150.4", "250.4", "500"),
        "so2": _ispu_points("52", "180", "400", "800", "1200"),  # 500: *unverified*
        "co": _ispu_points("4000", "8000", "15000", "30000", "45000"),
        "o3": _ispu_points("120", "235", "400", "800", "1000"),
        "no2": _ispu_points("80", "200", "1130", "2260", "3000"),
        "hc": _ispu_points("45", "100", "215", "432", "648"),  # *unverified*
    },
    # *unverified* (DOMAIN.md): the averaging each sub-index is defined over.
    averaging_hours={"pm10": 24, "pm25": 24, "so2": 24, "co": 8, "o3": 1, "no2": 1, "hc": 3},
    # The regulation's number says July 2020 (*unverified* as a day: data, not logic).
    effective_from=date(2020, 7, 1),
)
ISPU_1997 = Table(
    version="ispu:1997",
    index="ispu",
    bands=(
        Band(50, _c["baik"]),
        Band(100, _c["sedang"]),
        Band(199, _c["tidak_sehat"]),
        Band(299, _c["sangat_tidak_sehat"]),
        Band(500, _c["berbahaya"]),
    ),
)

_a = AQI_CATEGORIES
_AQI_BANDS = (
    Band(50, _a["good"]),
    Band(100, _a["moderate"]),
    Band(150, _a["unhealthy_sensitive"]),
    Band(200, _a["unhealthy"]),
    Band(300, _a["very_unhealthy"]),
    Band(500, _a["hazardous"]),
)
# parameter -> (unit of the table, truncation step, [(low, high, index low, index high)])
AQI_2024: dict[str, tuple[str, Decimal, tuple[tuple[Decimal, Decimal, int, int], ...]]] = {
    "pm25": ("ug/m3", D("0.1"), (
        (D("0.0"), D("9.0"), 0, 50), (D("9.1"), D("35.4"), 51, 100),
        (D("35.5"), D("55.4"), 101, 150), (D("55.5"), D("125.4"), 151, 200),
        (D("125.5"), D("225.4"), 201, 300), (D("225.5"), D("325.4"), 301, 500),
    )),
    "pm10": ("ug/m3", D("1"), (
        (D(0), D(54), 0, 50), (D(55), D(154), 51, 100), (D(155), D(254), 101, 150),
        (D(255), D(354), 151, 200), (D(355), D(424), 201, 300), (D(425), D(604), 301, 500),
    )),
    # 8-hour O3 stops at 0.200 ppm: above it the EPA uses the 1-hour table, not in DOMAIN.md.
    "o3": ("ppm", D("0.001"), (
        (D("0.000"), D("0.054"), 0, 50), (D("0.055"), D("0.070"), 51, 100),
        (D("0.071"), D("0.085"), 101, 150), (D("0.086"), D("0.105"), 151, 200),
        (D("0.106"), D("0.200"), 201, 300),
    )),
    "co": ("ppm", D("0.1"), (
        (D("0.0"), D("4.4"), 0, 50), (D("4.5"), D("9.4"), 51, 100),
        (D("9.5"), D("12.4"), 101, 150), (D("12.5"), D("15.4"), 151, 200),
        (D("15.5"), D("30.4"), 201, 300), (D("30.5"), D("50.4"), 301, 500),
    )),
    "so2": ("ppb", D("1"), (
        (D(0), D(35), 0, 50), (D(36), D(75), 51, 100), (D(76), D(185), 101, 150),
        (D(186), D(304), 151, 200), (D(305), D(604), 201, 300), (D(605), D(1004), 301, 500),
    )),
    "no2": ("ppb", D("1"), (
        (D(0), D(53), 0, 50), (D(54), D(100), 51, 100), (D(101), D(360), 101, 150),
        (D(361), D(649), 151, 200), (D(650), D(1249), 201, 300), (D(1250), D(2049), 301, 500),
    )),
}  # fmt: skip
AQI_VERSION = "aqi:2024"

ISPU_TABLES = {ISPU_2020.version: ISPU_2020, ISPU_1997.version: ISPU_1997}
ISPU_CURRENT = ISPU_2020


def ispu_table_for(day: date) -> Table:
    """The ISPU table in force on `day`."""
    if ISPU_2020.effective_from and day < ISPU_2020.effective_from:
        return ISPU_1997
    return ISPU_2020


# --- units ---------------------------------------------------------------------------------


def canonical_unit(unit: str) -> str:
    try:
        return UNIT_ALIASES[unit.strip()]
    except (KeyError, AttributeError):
        raise UnknownUnit(unit) from None


def to_ug_m3(parameter: str, value: float, unit: str) -> float:
    """A concentration in µg/m³ from µg/m³, mg/m³, ppb or ppm (gases only for the last two)."""
    unit = canonical_unit(unit)
    if unit == "ug/m3":
        return value
    if unit == "mg/m3":
        return value * 1000.0
    factor = UG_PER_PPB.get(parameter)
    if factor is None:
        raise UnknownUnit(unit)  # particles and HC have no molecular weight to convert by
    ppb = value * 1000.0 if unit == "ppm" else value
    return ppb * float(factor)


def from_ug_m3(parameter: str, value: float, unit: str) -> float:
    """The inverse of `to_ug_m3`."""
    unit = canonical_unit(unit)
    if unit == "ug/m3":
        return value
    if unit == "mg/m3":
        return value / 1000.0
    factor = UG_PER_PPB.get(parameter)
    if factor is None:
        raise UnknownUnit(unit)
    ppb = value / float(factor)
    return ppb / 1000.0 if unit == "ppm" else ppb


# --- ISPU ----------------------------------------------------------------------------------


def _round(value: Decimal) -> int:
    return int(value.quantize(D(1), rounding=ROUND_HALF_UP))


def _check(parameter: str, concentration: float) -> Decimal:
    if parameter not in PARAMETERS:
        raise UnknownParameter(parameter)
    value = D(str(concentration))
    if not value.is_finite() or value < 0:
        raise ValueError(f"concentration must be a finite number >= 0, not {concentration!r}")
    return value


def ispu(parameter: str, concentration: float, *, table: Table = ISPU_CURRENT) -> IndexValue:
    """The ISPU sub-index of a concentration (µg/m³): linear within its band; 500 above the top.

    I = (Ia - Ib) / (Xa - Xb) x (Xx - Xb) + Ib, rounded half up."""
    x = _check(parameter, concentration)
    points = table.breakpoints.get(parameter)
    if not points:
        raise IndexUndefined(f"{table.version} has no breakpoints for {parameter}")
    value = points[-1][1]
    for (xb, ib), (xa, ia) in itertools.pairwise(points):
        if x <= xa:
            value = _round(D(ia - ib) / (xa - xb) * (x - xb) + ib)
            break
    return IndexValue("ispu", table.version, parameter, value, table.category_of(value))


def ispu_overall(sub_indices: Mapping[str, float], *, table: Table = ISPU_CURRENT) -> Overall:
    """The station's ISPU from its sub-indices: the highest, and its pollutant (ties go to the
    first of DOMINANCE_ORDER)."""
    return _overall("ispu", sub_indices, table.category_of)


def ispu_category(value: int, *, table: Table = ISPU_CURRENT) -> Category:
    return table.category_of(value)


def ispu_rank(code: str) -> int:
    """0 (baik) to 4 (berbahaya): how bad an ISPU category is."""
    return ISPU_CATEGORY_ORDER.index(code)


# --- US AQI --------------------------------------------------------------------------------


def _truncate(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_DOWN)


def us_aqi(parameter: str, concentration: float) -> IndexValue:
    """The US AQI of a concentration in µg/m³ (gases converted to the table's ppm or ppb):
    truncated to the table's precision, then interpolated and rounded; 500 above the top."""
    x = _check(parameter, concentration)
    if parameter not in AQI_2024:
        raise IndexUndefined(f"the US AQI has no breakpoints for {parameter}")
    unit, step, rows = AQI_2024[parameter]
    if unit != "ug/m3":
        # Rounded to 9 places first: a float round trip (0.070 ppm -> µg/m³ -> 0.06999…) must not
        # truncate into the band below.
        x = D(str(round(from_ug_m3(parameter, float(x), unit), 9)))
    return aqi_of_table_units(parameter, x, unit=unit, step=step, rows=rows)


def aqi_of_table_units(
    parameter: str,
    x: Decimal,
    *,
    unit: str | None = None,
    step: Decimal | None = None,
    rows: Sequence[tuple[Decimal, Decimal, int, int]] | None = None,
) -> IndexValue:
    """The US AQI of a concentration already in the table's own unit (ppm, ppb, µg/m³)."""
    if rows is None or step is None:
        _unit, step, rows = AQI_2024[parameter]
    x = _truncate(D(str(x)), step)
    for low, high, i_low, i_high in rows:
        if x <= high:
            value = _round(D(i_high - i_low) / (high - low) * (max(x, low) - low) + i_low)
            break
    else:
        if parameter == "o3":
            raise IndexUndefined("8-hour O3 above 0.200 ppm needs the 1-hour O3 table")
        value = 500
    return IndexValue("aqi", AQI_VERSION, parameter, value, _category_of_bands(_AQI_BANDS, value))


def _category_of_bands(bands: Iterable[Band], value: int) -> Category:
    bands = tuple(bands)
    for band in bands:
        if value <= band.upper_value:
            return band.category
    return bands[-1].category


def aqi_overall(sub_indices: Mapping[str, float]) -> Overall:
    return _overall("aqi", sub_indices, lambda v: _category_of_bands(_AQI_BANDS, v))


def nowcast(hourly: Sequence[float | None], *, parameter: str = "pm25") -> float | None:
    """EPA NowCast of hourly PM averages, newest first (up to 12 hours; None for a missing hour).

    Weight w = min/max of the hours present, at least 0.5 for PM; the newest hour counts w^0,
    the one before w^1, and so on. None unless 2 of the 3 newest hours are present."""
    hours = list(hourly[:12])
    if sum(1 for c in hours[:3] if c is not None) < 2:
        return None
    present = [c for c in hours if c is not None]
    high, low = max(present), min(present)
    weight = 1.0 if high <= 0 else max(low / high, 0.5)
    numerator = denominator = 0.0
    for age, c in enumerate(hours):
        if c is None:
            continue
        numerator += weight**age * c
        denominator += weight**age
    step = AQI_2024[parameter][1] if parameter in AQI_2024 else D("0.1")
    return float(_truncate(D(str(numerator / denominator)), step))


# --- both ----------------------------------------------------------------------------------


def _overall(index: str, sub_indices: Mapping[str, float], categorise) -> Overall:
    present = {p: round(v) for p, v in sub_indices.items() if v is not None}
    if not present:
        raise IndexUndefined("no sub-index to make an index of")
    unknown = set(present) - set(DOMINANCE_ORDER)
    if unknown:
        raise UnknownParameter(", ".join(sorted(unknown)))
    top = max(present.values())
    dominant = next(p for p in DOMINANCE_ORDER if present.get(p) == top)
    return Overall(index, top, categorise(top), dominant, present)
