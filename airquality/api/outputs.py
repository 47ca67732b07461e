"""What the air-quality API renders: plain serializers over stations and their latest index.
Category names and advice follow the request's language (indexes hold both)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from airquality import indexes
from airquality.models import Station, StationLatest
from jaki.api import request_language
from jaki.regions.api import RegionRefOutput

UNIT = "µg/m³"


class IndexOutput(serializers.Serializer):
    value = serializers.IntegerField()
    category = serializers.CharField(help_text="The category code.")
    category_name = serializers.CharField()
    colour = serializers.CharField(help_text="The category's colour, as a hex code.")
    dominant = serializers.CharField(help_text="The pollutant that made the index.")


class LatestOutput(serializers.Serializer):
    time = serializers.DateTimeField()
    ispu = IndexOutput(allow_null=True)
    aqi = IndexOutput(allow_null=True)


def _index(value: int | None, code: str, dominant: str) -> dict[str, Any] | None:
    if value is None or not code:
        return None
    category = indexes.ISPU_CATEGORIES.get(code) or indexes.AQI_CATEGORIES[code]
    english = request_language() == "en"
    return {
        "value": value,
        "category": code,
        "category_name": category.name_en if english else category.name_id,
        "colour": category.hex,
        "dominant": dominant,
    }


def latest_data(latest: StationLatest | None) -> dict[str, Any] | None:
    """The `latest` object, already in its JSON form (the list renders a hundred of them)."""
    if latest is None:
        return None
    return {
        "time": iso(latest.time),
        "ispu": _index(latest.ispu, latest.ispu_category, latest.ispu_dominant),
        "aqi": _index(latest.aqi, latest.aqi_category, latest.aqi_dominant),
    }


def iso(value, tz=None) -> str:
    """DRF's rendering of an aware datetime, in the current time zone (pass `tz` when
    rendering many: looking the zone up costs more than the formatting)."""
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def station_row(station: Station, **extra: Any) -> dict[str, Any]:
    """StationOutput's data, built directly: a serializer per row (and per nested `latest`)
    costs more than the query behind the whole list."""
    kelurahan = station.kelurahan
    return {
        "code": station.code,
        "name": station.name,
        "lat": station.lat,
        "lon": station.lon,
        "kind": station.kind,
        "operator": station.operator,
        "kelurahan": {"code": kelurahan.code, "name": kelurahan.name} if kelurahan else None,
        "latest": latest_data(latest_of(station)),
        **extra,
    }


def latest_of(station: Station) -> StationLatest | None:
    try:
        return station.latest
    except StationLatest.DoesNotExist:
        return None


class StationOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    kind = serializers.ChoiceField(choices=Station.Kind.choices)
    operator = serializers.CharField()
    kelurahan = RegionRefOutput(allow_null=True)
    latest = serializers.SerializerMethodField()

    @extend_schema_field(LatestOutput(allow_null=True))
    def get_latest(self, station: Station) -> dict | None:
        return latest_data(latest_of(station))


class NearestOutput(StationOutput):
    distance_m = serializers.FloatField()


class ParameterOutput(serializers.Serializer):
    parameter = serializers.CharField()
    time = serializers.DateTimeField()
    value = serializers.FloatField(help_text="Hourly mean, µg/m³.")
    unit = serializers.CharField()
    ispu = serializers.IntegerField(allow_null=True)
    aqi = serializers.IntegerField(allow_null=True)


class AdviceOutput(serializers.Serializer):
    ispu = serializers.CharField(allow_null=True)
    aqi = serializers.CharField(allow_null=True)


class StationDetailOutput(StationOutput):
    parameters = serializers.SerializerMethodField()
    advice = serializers.SerializerMethodField()

    @extend_schema_field(ParameterOutput(many=True))
    def get_parameters(self, station: Station) -> list[dict]:
        latest = latest_of(station)
        if latest is None:
            return []
        rows = [
            {
                "parameter": parameter,
                "time": entry["time"],
                "value": entry["value"],
                "unit": UNIT,
                "ispu": entry.get("ispu"),
                "aqi": entry.get("aqi"),
            }
            for parameter, entry in sorted(latest.parameters.items())
        ]
        return ParameterOutput(rows, many=True).data

    @extend_schema_field(AdviceOutput)
    def get_advice(self, station: Station) -> dict:
        latest = latest_of(station)
        english = request_language() == "en"

        def advice(code: str) -> str | None:
            category = indexes.ISPU_CATEGORIES.get(code) or indexes.AQI_CATEGORIES.get(code)
            if category is None:
                return None
            return category.advice_en if english else category.advice_id

        if latest is None:
            return {"ispu": None, "aqi": None}
        return {"ispu": advice(latest.ispu_category), "aqi": advice(latest.aqi_category)}


class PointOutput(serializers.Serializer):
    time = serializers.DateTimeField(help_text="Start of the hour, or the day (00:00 Jakarta).")
    mean = serializers.FloatField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    count = serializers.IntegerField(help_text="Samples that made the aggregate (coverage).")
    hours = serializers.IntegerField(
        required=False, help_text="Daily only: hours with at least one sample."
    )


class HistoryOutput(serializers.Serializer):
    station = serializers.CharField()
    parameter = serializers.CharField()
    interval = serializers.CharField()
    unit = serializers.CharField()
    results = PointOutput(many=True)


class ReadingErrorOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in the batch, from 0.")
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)


class IngestOutput(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Rows already stored (or twice in the batch).")
    rejected = serializers.IntegerField()
    errors = ReadingErrorOutput(many=True)


class PlaceOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()


class SubscriptionOutput(serializers.Serializer):
    threshold = serializers.CharField()
    places = PlaceOutput(many=True)


class KotaSummaryOutput(serializers.Serializer):
    kota = RegionRefOutput()
    station = serializers.CharField(help_text="Code of the kota's worst station now.")
    latest = LatestOutput()
