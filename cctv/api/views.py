"""The CCTV API's views, one per operation: validate, call a selector or a service, serialize.
No output names a camera's origin or snapshot URL: the serializers below have no field that
could, and the models hold them only encrypted."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cctv import selectors, services
from cctv.api.outputs import CameraDetailOutput, CameraOutput, SnapshotOutput, StreamOutput
from cctv.models import Camera, Category, Status
from jaki.api import Pagination, QueryInput, error_responses
from jaki.regions.geo import InvalidArea, valid_bbox

CAMERA_ID = OpenApiParameter(
    "camera_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The camera's id."
)
NO_SUCH_CAMERA = gettext_lazy("There is no such camera, or you may not see it.")
DEFAULT_RADIUS_M = 1000
MAX_RADIUS_M = 20_000


def visible_camera(request, camera_id: str, *, lean: bool = False) -> Camera:
    try:
        public_id = uuid.UUID(camera_id)
    except ValueError:
        raise NotFound(NO_SUCH_CAMERA) from None
    find = selectors.camera_to_watch if lean else selectors.camera_visible
    camera = find(public_id=public_id, user=request.user)
    if camera is None:
        raise NotFound(NO_SUCH_CAMERA)
    return camera


class BBoxField(serializers.CharField):
    """`min_lon,min_lat,max_lon,max_lat`, as in GeoJSON and most map SDKs."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        parts = text.split(",")
        message = _("Send bbox as min_lon,min_lat,max_lon,max_lat.")
        if len(parts) != 4:
            raise serializers.ValidationError(message)
        try:
            return list(valid_bbox([float(p) for p in parts]))
        except (ValueError, InvalidArea):
            raise serializers.ValidationError(message) from None


class CameraListView(APIView):
    """Cameras, public ones for everyone (and restricted ones for their operators)."""

    permission_classes = [AllowAny]
    pagination_class = Pagination
    cursor_ordering = ("code",)

    class Input(QueryInput):
        lat = serializers.FloatField(
            required=False, min_value=-90, max_value=90, help_text="Latitude (WGS84)."
        )
        lon = serializers.FloatField(
            required=False, min_value=-180, max_value=180, help_text="Longitude (WGS84)."
        )
        radius = serializers.FloatField(
            required=False,
            min_value=1,
            max_value=MAX_RADIUS_M,
            help_text=f"Metres around lat/lon (default {DEFAULT_RADIUS_M}).",
        )
        bbox = BBoxField(
            required=False, max_length=200, help_text="min_lon,min_lat,max_lon,max_lat"
        )
        category = serializers.ChoiceField(choices=Category.choices, required=False)
        status = serializers.ChoiceField(choices=Status.choices, required=False)

        def validate(self, attrs):
            attrs = super().validate(attrs)
            if ("lat" in attrs) != ("lon" in attrs):
                missing = "lon" if "lat" in attrs else "lat"
                raise serializers.ValidationError({missing: [_("Send lat and lon together.")]})
            if "radius" in attrs and "lat" not in attrs:
                raise serializers.ValidationError({"radius": [_("Send lat and lon with it.")]})
            return attrs

    @extend_schema(
        parameters=[Input],
        responses={200: CameraOutput(many=True), **error_responses(400)},
        summary="Cameras",
        description=(
            "Without lat/lon: by code, in cursor pages. With lat/lon: those within `radius` "
            f"metres (default {DEFAULT_RADIUS_M}, at most {MAX_RADIUS_M}), nearest first, with "
            "`distance_m`: one page of up to page_size, `next` null. `bbox`, `category` and "
            "`status` narrow either. Restricted cameras appear only to their operators."
        ),
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        query = data.validated_data
        filters = {
            "category": query.get("category"),
            "status": query.get("status"),
            "bbox": query.get("bbox"),
        }
        paginator = self.pagination_class()
        if "lat" in query:
            found = selectors.cameras_near(
                user=request.user,
                lat=query["lat"],
                lon=query["lon"],
                radius_m=query.get("radius", DEFAULT_RADIUS_M),
                limit=paginator.get_page_size(request),
                **filters,
            )
            for camera, distance in found:
                camera.distance_m = round(distance, 1)
            rows = [camera for camera, __ in found]
            return Response(
                {"next": None, "previous": None, "results": self._render(request, rows)}
            )
        page = paginator.paginate_queryset(
            selectors.cameras_list(user=request.user, **filters), request, view=self
        )
        return paginator.get_paginated_response(self._render(request, page))

    @staticmethod
    def _render(request, cameras: list[Camera]) -> list:
        favourites = selectors.favourite_ids(user=request.user, cameras=cameras)
        context = {"request": request, "favourites": favourites}
        return CameraOutput(cameras, many=True, context=context).data


class CameraDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CAMERA_ID],
        responses={200: CameraDetailOutput, **error_responses(404)},
        summary="A camera",
        description="With its uptime over 24 hours and 7 days. Restricted cameras: 404 to all "
        "but their operators.",
    )
    def get(self, request, camera_id: str):
        camera = visible_camera(request, camera_id)
        favourites = selectors.favourite_ids(user=request.user, cameras=[camera])
        context = {"request": request, "favourites": favourites}
        return Response(CameraDetailOutput(camera, context=context).data)


class StreamView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[CAMERA_ID],
        request=None,
        responses={201: StreamOutput, **error_responses(401, 404, 429)},
        summary="A stream URL",
        description=(
            "An HLS URL with a signed token in its path that stops working at `expires_at` "
            "(a few minutes): ask again before then to keep watching. A user watches a limited "
            "number of cameras at once (429 `too_many_streams`). Viewing a restricted camera is "
            "written to the audit log."
        ),
    )
    def post(self, request, camera_id: str):
        camera = visible_camera(request, camera_id, lean=True)
        grant = services.stream_issue(user=request.user, camera=camera, request=request)
        return Response(StreamOutput(grant).data, status=status.HTTP_201_CREATED)


class SnapshotView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CAMERA_ID],
        responses={200: SnapshotOutput, **error_responses(404)},
        summary="The latest still image",
        description=(
            "Signed, short-lived URLs of the latest still and its thumbnail, with when it was "
            "captured; refetched from the camera when older than a minute. 404 "
            "`snapshot_unavailable` when the camera gives none. Viewing a restricted camera "
            "is written to the audit log."
        ),
    )
    def get(self, request, camera_id: str):
        camera = visible_camera(request, camera_id)
        image, captured_at, fresh = services.snapshot_latest(
            camera=camera, user=request.user, request=request
        )
        data = {"image": image, "captured_at": captured_at, "fresh": fresh}
        return Response(SnapshotOutput(data, context={"request": request}).data)


class FavouriteListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    cursor_ordering = ("code",)

    @extend_schema(
        responses={200: CameraOutput(many=True), **error_responses(400, 401)},
        summary="My favourite cameras",
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.favourites_of(user=request.user), request, view=self
        )
        context = {"request": request, "favourites": {c.pk for c in page}}
        return paginator.get_paginated_response(CameraOutput(page, many=True, context=context).data)


class FavouriteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[CAMERA_ID],
        request=None,
        responses={
            200: CameraOutput,
            201: CameraOutput,
            **error_responses(401, 404),
        },
        summary="Add a favourite",
        description="201 when new, 200 when it already was one.",
    )
    def put(self, request, camera_id: str):
        camera = visible_camera(request, camera_id)
        created = services.favourite_add(user=request.user, camera=camera)
        context = {"request": request, "favourites": {camera.pk}}
        return Response(
            CameraOutput(camera, context=context).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[CAMERA_ID],
        responses={204: None, **error_responses(401, 404)},
        summary="Remove a favourite",
    )
    def delete(self, request, camera_id: str):
        camera = visible_camera(request, camera_id)
        services.favourite_remove(user=request.user, camera=camera)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaAuthView(APIView):
    """`POST /cctv/media-auth/`: MediaMTX's HTTP authentication (`authMethod: http`).

    MediaMTX posts `{user, password, token, ip, action, path, protocol, id, query}` before each
    read and plays only on a 2xx. Not part of the mobile API; it answers for tokens only and
    tells nothing else."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    class Input(serializers.Serializer):
        user = serializers.CharField(required=False, allow_blank=True, max_length=1024)
        password = serializers.CharField(required=False, allow_blank=True, max_length=1024)
        token = serializers.CharField(required=False, allow_blank=True, max_length=1024)
        ip = serializers.IPAddressField(required=False, allow_blank=True)
        action = serializers.CharField(max_length=32)
        path = serializers.CharField(required=False, allow_blank=True, max_length=1024)
        protocol = serializers.CharField(required=False, allow_blank=True, max_length=32)
        id = serializers.CharField(required=False, allow_blank=True, allow_null=True)
        query = serializers.CharField(required=False, allow_blank=True, max_length=2048)

    @extend_schema(
        request=Input,
        responses={
            200: inline_serializer("MediaAuthOk", {"camera": serializers.CharField()}),
            **error_responses(400, 403, 410),
        },
        summary="Edge read check (MediaMTX HTTP auth)",
        description=(
            "The token travels as the path's first element (`{token}/{camera}`), or as "
            "`token` / `?token=`. 200: play; 403 forged, foreign or replayed; 410 expired."
        ),
        tags=["cctv-edge"],
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        camera = services.media_auth_check(payload=data.validated_data)
        return Response({"camera": camera.code})
