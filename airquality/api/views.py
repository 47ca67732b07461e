"""The air-quality API's views, one per operation: validate, call a selector or a service,
render (outputs.py). Reads are anonymous; readings come from machines with an API key."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from airquality import selectors, services
from airquality.api.outputs import (
    UNIT,
    HistoryOutput,
    IngestOutput,
    KotaSummaryOutput,
    NearestOutput,
    StationDetailOutput,
    StationOutput,
    SubscriptionOutput,
    iso,
    latest_data,
    station_row,
)
from airquality.models import MAX_SAVED_PLACES, IspuCategory, Parameter
from airquality.permissions import CanIngest
from jaki.api import Pagination, QueryInput, error_responses
from jaki.apikeys.authentication import ApiKeyAuthentication
from jaki.apikeys.throttles import ApiKeyRateThrottle

CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="DKI1…")
NO_SUCH_STATION = gettext_lazy("There is no such active station.")
MAX_RANGE = {"hour": timedelta(days=31), "day": timedelta(days=366)}
DEFAULT_RANGE = {"hour": timedelta(hours=24), "day": timedelta(days=30)}


def station_or_404(code: str):
    station = selectors.station_public(code=code)
    if station is None:
        raise NotFound(NO_SUCH_STATION)
    return station


def history_range(interval: str, start: datetime | None, end: datetime | None):
    """[start, end) of a history request: datetimes for hours, Jakarta days for days."""
    end = end or timezone.now()
    start = start or end - DEFAULT_RANGE[interval]
    if start >= end:
        raise ValidationError({"from": [_("Must be before `to`.")]})
    if end - start > MAX_RANGE[interval]:
        raise ValidationError(
            {
                "from": [
                    _("The range is at most %(days)d days for this interval.")
                    % {"days": MAX_RANGE[interval].days}
                ]
            }
        )
    if interval == "day":  # the Jakarta days that overlap [start, end)
        local_day = services.intake.local_day
        return local_day(start), local_day(end - timedelta(microseconds=1)) + timedelta(days=1)
    return start, end


class StationPagination(Pagination):
    # The map shows every station at once: Jakarta had 111 in 2025.
    page_size = 200
    max_page_size = 500


class StationListView(APIView):
    permission_classes = [AllowAny]
    pagination_class = StationPagination
    cursor_ordering = "code"

    @extend_schema(
        responses={200: StationOutput(many=True), **error_responses(400)},
        summary="Stations with their latest ISPU and US AQI",
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.stations_public(), request, view=self)
        return paginator.get_paginated_response([station_row(s) for s in page])


class StationDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CODE],
        responses={200: StationDetailOutput, **error_responses(404)},
        summary="A station: latest per parameter and health advice",
    )
    def get(self, request, code: str):
        return Response(StationDetailOutput(station_or_404(code)).data)


class HistoryView(APIView):
    permission_classes = [AllowAny]

    class Input(QueryInput):
        parameter = serializers.ChoiceField(choices=Parameter.choices)
        interval = serializers.ChoiceField(choices=["hour", "day"], default="hour")
        # `from` is a Python keyword: the field is renamed below.
        start = serializers.DateTimeField(required=False, help_text="From (inclusive).")
        to = serializers.DateTimeField(required=False, help_text="To (exclusive); default now.")

        def to_internal_value(self, data):
            data = data.copy()
            if "from" in data:
                data["start"] = data.pop("from")[-1] if hasattr(data, "getlist") else data["from"]
            return super().to_internal_value(data)

    @extend_schema(
        parameters=[
            CODE,
            OpenApiParameter("parameter", OpenApiTypes.STR, enum=Parameter.values, required=True),
            OpenApiParameter("interval", OpenApiTypes.STR, enum=["hour", "day"]),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Inclusive."),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Exclusive; default now."),
        ],
        responses={200: HistoryOutput, **error_responses(400, 404)},
        summary="A station's hourly or daily series",
        description="At most 31 days of hours or 366 days of days per request.",
    )
    def get(self, request, code: str):
        station = station_or_404(code)
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        interval = data.validated_data["interval"]
        try:
            start, end = history_range(
                interval, data.validated_data.get("start"), data.validated_data.get("to")
            )
        except OverflowError:  # year 1 or 9999 and a day to add or take
            raise ValidationError({"from": [_("The range is out of bounds.")]}) from None
        rows = selectors.station_history(
            station=station,
            parameter=data.validated_data["parameter"],
            interval=interval,
            start=start,
            end=end,
        )
        results = []
        tz = timezone.get_current_timezone()
        for bucket, count, total, low, high, *hours in rows:
            point = {"mean": round(total / count, 2), "min": low, "max": high, "count": count}
            if interval == "hour":
                point["time"] = iso(bucket, tz)
            else:
                point["time"] = iso(datetime.combine(bucket, time.min, services.intake.LOCAL), tz)
                point["hours"] = hours[0]
            results.append(point)
        # Built directly (HistoryOutput documents it): a serializer per point costs more than
        # the query.
        return Response(
            {
                "station": station.code,
                "parameter": data.validated_data["parameter"],
                "interval": interval,
                "unit": UNIT,
                "results": results,
            }
        )


class PointInput(QueryInput):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class NearestView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[PointInput],
        responses={200: NearestOutput, **error_responses(400, 404)},
        summary="The nearest active station, with its distance",
    )
    def get(self, request):
        data = PointInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = selectors.station_nearest(**data.validated_data)
        if found is None:
            raise NotFound(_("No active station within 50 km of this point."))
        station, distance = found
        return Response(station_row(station, distance_m=round(distance, 1)))


class SummaryView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                name="AirSummary",
                fields={
                    "worst": KotaSummaryOutput(allow_null=True),
                    "results": KotaSummaryOutput(many=True),
                },
            )
        },
        summary="The city now: each kota's worst station, worst kota first",
    )
    def get(self, request):
        rows = [
            {
                "kota": item["kota"],
                "station": item["latest"].station.code,
                "latest": latest_data(item["latest"]),
            }
            for item in selectors.city_summary()
        ]
        data = KotaSummaryOutput(rows, many=True).data
        return Response({"worst": data[0] if data else None, "results": data})


class ReadingsView(APIView):
    """A sensor's or feed's batch of readings, with an API key of scope airquality:ingest."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [CanIngest]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes = [JSONParser]

    class ReadingInput(serializers.Serializer):
        station = serializers.CharField(help_text="Station code, e.g. DKI1.")
        parameter = serializers.ChoiceField(choices=Parameter.choices)
        value = serializers.FloatField()
        unit = serializers.CharField(help_text="µg/m³ (ug/m3), mg/m3, or ppb/ppm for gases.")
        time = serializers.DateTimeField(help_text="ISO 8601 with offset; not in the future.")

    @extend_schema(
        request=ReadingInput(many=True),
        responses={200: IngestOutput, **error_responses(400, 401, 403, 413, 415, 429)},
        summary="Send a batch of readings",
        description=(
            f"Up to {services.MAX_BATCH:,} rows. Idempotent on station + parameter + time: a "
            "resent row is counted in `duplicates` and changes nothing. Each bad row is in "
            "`errors` with its index and reason; the good rows are kept."
        ),
    )
    def post(self, request):
        result = services.readings_ingest(rows=request.data, allows=request.auth.allows)
        return Response(
            IngestOutput(
                {
                    "received": result.received,
                    "stored": result.stored,
                    "duplicates": result.duplicates,
                    "rejected": result.rejected,
                    "errors": [e.as_dict() for e in result.errors],
                }
            ).data
        )


class SubscriptionView(APIView):
    permission_classes = [IsAuthenticated]

    class PlaceInput(serializers.Serializer):
        name = serializers.CharField(max_length=80)
        lat = serializers.FloatField(min_value=-90, max_value=90)
        lon = serializers.FloatField(min_value=-180, max_value=180)

    class Input(serializers.Serializer):
        threshold = serializers.ChoiceField(
            choices=IspuCategory.choices, default=IspuCategory.TIDAK_SEHAT
        )
        places = serializers.ListField(
            child=serializers.DictField(), max_length=MAX_SAVED_PLACES, default=list
        )

    @extend_schema(responses={200: SubscriptionOutput, **error_responses(401)})
    def get(self, request):
        subscription = selectors.subscription_of(user=request.user)
        if subscription is None:
            return Response({"threshold": IspuCategory.TIDAK_SEHAT.value, "places": []})
        return Response(SubscriptionOutput(subscription).data)

    @extend_schema(
        request=inline_serializer(
            name="SubscriptionInput",
            fields={
                "threshold": serializers.ChoiceField(choices=IspuCategory.choices),
                "places": PlaceInput(many=True),
            },
        ),
        responses={200: SubscriptionOutput, **error_responses(400, 401)},
        summary="Set the air alert threshold and saved places",
        description=(
            f"Up to {MAX_SAVED_PLACES} saved places; the device's location counts as a place "
            "too. One push when the nearest station reaches the threshold, then at most one "
            "every 6 hours per place unless the air worsens, and an all-clear."
        ),
    )
    def put(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        places = self.PlaceInput(data=data.validated_data["places"], many=True)
        if not places.is_valid():
            raise ValidationError({"places": places.errors})
        subscription = services.subscription_set(
            user=request.user,
            threshold=data.validated_data["threshold"],
            places=places.validated_data,
        )
        subscription = selectors.subscription_of(user=request.user)
        return Response(SubscriptionOutput(subscription).data)
