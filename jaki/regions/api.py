"""Regions API, open to anyone: kota/kecamatan/kelurahan lists and details, point -> kelurahan."""

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jaki.api import Pagination, QueryInput, error_responses
from jaki.regions import selectors
from jaki.regions.models import Region

OUTSIDE_JAKARTA = gettext_lazy("This point is outside Jakarta.")

GEOJSON_GEOMETRY_SCHEMA = {
    "type": "object",
    "description": "A GeoJSON Polygon or MultiPolygon, coordinates in [longitude, latitude].",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array", "items": {}}},
    },
    "required": ["type", "coordinates"],
    "nullable": True,
}


@extend_schema_field(GEOJSON_GEOMETRY_SCHEMA)
class GeometryField(serializers.JSONField):
    """A boundary as GeoJSON, described as such in the schema (not as free-form JSON)."""


class RegionRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ParentOutput(RegionRefOutput):
    level = serializers.ChoiceField(choices=Region.Level.choices)


class RegionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Region.Level.choices)
    parent = ParentOutput(allow_null=True)
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        allow_null=True,
        help_text="[min_lon, min_lat, max_lon, max_lat]; null without a boundary.",
    )


class RegionDetailOutput(RegionOutput):
    boundary = GeometryField(allow_null=True)


class RegionListView(APIView):
    """Kota, kecamatan and kelurahan, ordered by code."""

    permission_classes = [AllowAny]
    pagination_class = Pagination
    cursor_ordering = "code"

    class Input(QueryInput):
        level = serializers.ChoiceField(choices=Region.Level.choices, required=False)
        parent = serializers.CharField(
            required=False, max_length=64, help_text="The code of the parent region."
        )

    @extend_schema(
        parameters=[Input],
        responses={200: RegionOutput(many=True), **error_responses(400)},
        summary="List regions",
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        regions = selectors.region_list(
            level=data.validated_data.get("level"),
            parent_code=data.validated_data.get("parent"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(regions, request, view=self)
        return paginator.get_paginated_response(RegionOutput(page, many=True).data)


class RegionDetailView(APIView):
    """One region with its boundary."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: RegionDetailOutput, **error_responses(404)}, summary="Show a region"
    )
    def get(self, request, code: str):
        try:
            region = selectors.region_get(code=code)
        except Region.DoesNotExist:
            raise NotFound(_("There is no region with this code.")) from None
        return Response(RegionDetailOutput(region).data)


class LocateView(APIView):
    """The kelurahan holding a point, with its kecamatan and kota."""

    permission_classes = [AllowAny]

    class Input(QueryInput):
        # DRF's FloatField already refuses nan and inf.
        lat = serializers.FloatField(
            min_value=-90, max_value=90, help_text="Latitude in degrees (WGS84)."
        )
        lon = serializers.FloatField(
            min_value=-180, max_value=180, help_text="Longitude in degrees (WGS84)."
        )

    class Output(serializers.Serializer):
        kelurahan = RegionRefOutput()
        kecamatan = RegionRefOutput(allow_null=True)
        kota = RegionRefOutput(allow_null=True)

    @extend_schema(
        parameters=[Input],
        responses={200: Output, **error_responses(400, 404)},
        summary="Find the kelurahan of a point",
        description="404 when the point is outside every kelurahan (outside Jakarta).",
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = selectors.locate(data.validated_data["lat"], data.validated_data["lon"])
        if found is None:
            raise NotFound(OUTSIDE_JAKARTA)
        return Response(self.Output(found).data)


urlpatterns = [
    path("regions/", RegionListView.as_view(), name="region-list"),
    path("regions/locate/", LocateView.as_view(), name="region-locate"),
    path("regions/<str:code>/", RegionDetailView.as_view(), name="region-detail"),
]
