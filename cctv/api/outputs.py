"""What the CCTV API answers with. Plain Serializers over what the selectors fetched; none has a
field that could hold an origin or snapshot URL."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cctv.models import Camera, Category, Status
from jaki.media.api import StoredImageSerializer
from jaki.regions.api import RegionRefOutput


class CameraOwnerOutput(serializers.Serializer):
    """The owning organisation, as API.md shows an organisation: `{code, name}`."""

    code = serializers.CharField()
    name = serializers.CharField()


class CameraOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    public = serializers.BooleanField()
    kelurahan = RegionRefOutput(allow_null=True)
    snapshot_url = serializers.SerializerMethodField(
        help_text="Where the latest still is asked for (GET: signed image URLs)."
    )
    last_checked_at = serializers.DateTimeField(allow_null=True)
    favourite = serializers.SerializerMethodField()
    distance_m = serializers.FloatField(
        required=False, help_text="Metres from lat/lon, when the list was asked with a point."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_snapshot_url(self, camera: Camera) -> str:
        path = reverse("cctv-camera-snapshot", kwargs={"camera_id": camera.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_favourite(self, camera: Camera) -> bool:
        return camera.pk in self.context.get("favourites", set())


class CameraDetailOutput(CameraOutput):
    organisation = CameraOwnerOutput()
    last_online_at = serializers.DateTimeField(allow_null=True)
    uptime_24h = serializers.FloatField(
        allow_null=True, help_text="Percent of health checks passed in the last 24 hours."
    )
    uptime_7d = serializers.FloatField(
        allow_null=True, help_text="Percent of health checks passed in the last 7 days."
    )


class StreamOutput(serializers.Serializer):
    url = serializers.URLField(help_text="The HLS playlist, token in its path.")
    expires_at = serializers.DateTimeField()


class SnapshotOutput(serializers.Serializer):
    image = StoredImageSerializer()
    captured_at = serializers.DateTimeField()
    fresh = serializers.BooleanField(
        help_text="False: the camera gave no newer still, this is the last one it gave."
    )
