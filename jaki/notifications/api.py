"""Notifications API: a resident's push devices and their inbox."""

import uuid

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jaki.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    Pagination,
    error_responses,
    idempotent,
    request_language,
)
from jaki.notifications import selectors, services
from jaki.notifications.models import Device, InboxItem, Language
from jaki.regions.api import RegionRefOutput

NO_SUCH_DEVICE = gettext_lazy("You have no device with this token.")
NO_SUCH_ITEM = gettext_lazy("There is no such notification in your inbox.")


# An optional point: both coordinates or neither. DRF's FloatField already refuses nan and inf.
class LatLonInput(serializers.Serializer):
    lat = serializers.FloatField(
        required=False, min_value=-90, max_value=90, help_text="Latitude in degrees (WGS84)."
    )
    lon = serializers.FloatField(
        required=False, min_value=-180, max_value=180, help_text="Longitude in degrees (WGS84)."
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("lat" in attrs) != ("lon" in attrs):
            missing = "lon" if "lat" in attrs else "lat"
            raise serializers.ValidationError(
                {missing: [_("Send lat and lon together.")]}, code="required"
            )
        return attrs


class DeviceOutput(serializers.Serializer):
    token = serializers.CharField()
    fid = serializers.CharField()
    platform = serializers.ChoiceField(choices=Device.Platform.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    app_version = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    kelurahan = RegionRefOutput(
        allow_null=True, help_text="The kelurahan of the last known location; null outside."
    )
    is_active = serializers.BooleanField()
    last_seen_at = serializers.DateTimeField()


def own_device(*, user, token: str, active_only: bool) -> Device:
    device = selectors.device_of(user=user, token=token, active_only=active_only)
    if device is None:
        raise NotFound(NO_SUCH_DEVICE)
    return device


class DeviceRegisterView(APIView):
    """Register a phone or browser for push; idempotent on the FCM token."""

    permission_classes = [IsAuthenticated]

    class Input(LatLonInput):
        token = serializers.RegexField(
            r"^[A-Za-z0-9_\-:.~]+$",
            max_length=512,
            help_text="The FCM registration token.",
            error_messages={
                "invalid": gettext_lazy(
                    "A token holds only letters, digits and the characters - _ : . ~"
                )
            },
        )
        fid = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=200,
            help_text="The Firebase installation id.",
        )
        platform = serializers.ChoiceField(choices=Device.Platform.choices)
        language = serializers.ChoiceField(
            choices=Language.choices,
            required=False,
            help_text="The language pushes to this device are written in.",
        )
        app_version = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(
        request=Input,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: DeviceOutput, 200: DeviceOutput, **error_responses(400, 401, 409, 422)},
        summary="Register a device for push",
        description=(
            "201 for a new token, 200 for a known one. A token registered by someone else "
            "(a phone that changed hands) moves to the caller; an inactive one is reactivated. "
            "lat and lon come together: one without the other is a 400."
        ),
    )
    @idempotent
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        device, created = services.device_register(user=request.user, **data.validated_data)
        return Response(
            DeviceOutput(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeviceDetailView(APIView):
    """One of the caller's devices, addressed by its token."""

    permission_classes = [IsAuthenticated]

    class Input(LatLonInput):
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        app_version = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(
        request=Input,
        responses={200: DeviceOutput, **error_responses(400, 401, 404)},
        summary="Update a device's location or language",
        description=(
            "The kelurahan is resolved again from lat/lon, which come together (one without "
            "the other is a 400). 404 for a token that is not an active device of the caller."
        ),
    )
    def patch(self, request, token: str):
        device = own_device(user=request.user, token=token, active_only=True)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.device_update(device=device, **data.validated_data)
        return Response(DeviceOutput(device).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 404)},
        summary="Stop pushing to a device",
        description="Idempotent: deleting a device that is already inactive also answers 204.",
    )
    def delete(self, request, token: str):
        device = own_device(user=request.user, token=token, active_only=False)
        if device.is_active:
            services.device_deactivate(device=device, reason="deleted by owner")
        return Response(status=status.HTTP_204_NO_CONTENT)


class InboxPagination(Pagination):
    """The house pagination with the caller's unread count beside the page."""

    def get_paginated_response(self, data, unread_count: int = 0):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "unread_count": unread_count,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["unread_count"] = {
            "type": "integer",
            "minimum": 0,
            "description": "How many notifications in the whole inbox are unread.",
            "example": 3,
        }
        paginated["required"] = [*paginated.get("required", []), "unread_count"]
        return paginated


class InboxListView(APIView):
    """The caller's inbox, newest first, in the request's language."""

    permission_classes = [IsAuthenticated]
    pagination_class = InboxPagination
    cursor_ordering = ("-created_at", "-id")

    class Output(serializers.Serializer):
        id = serializers.UUIDField(source="public_id")
        kind = serializers.CharField(source="notification.kind")
        title = serializers.SerializerMethodField()
        body = serializers.SerializerMethodField()
        data = serializers.DictField(child=serializers.CharField(), source="notification.data")
        created_at = serializers.DateTimeField()
        read_at = serializers.DateTimeField(allow_null=True)

        def get_title(self, item: InboxItem) -> str:
            return item.notification.title(self.context["language"])

        def get_body(self, item: InboxItem) -> str:
            return item.notification.body(self.context["language"])

    @extend_schema(
        responses={200: Output(many=True), **error_responses(400, 401)},
        summary="My notifications",
        description=(
            "Titles and bodies are in the request's language (Accept-Language), "
            "falling back to id. "
            "400 for a cursor or page_size that is not valid."
        ),
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.inbox_for(user=request.user), request, view=self
        )
        items = self.Output(page, many=True, context={"language": request_language()}).data
        return paginator.get_paginated_response(
            items, unread_count=selectors.inbox_unread_count(user=request.user)
        )


class InboxReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401, 404)},
        summary="Mark a notification as read",
    )
    def post(self, request, item_id: str):
        try:
            public_id = uuid.UUID(item_id)
        except ValueError:
            raise NotFound(NO_SUCH_ITEM) from None
        item = selectors.inbox_for(user=request.user).filter(public_id=public_id).first()
        if item is None:
            raise NotFound(NO_SUCH_ITEM)
        services.inbox_mark_read(user=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InboxReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(401)},
        summary="Mark every notification as read",
    )
    def post(self, request):
        services.inbox_mark_all_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("devices/", DeviceRegisterView.as_view(), name="device-register"),
    path("devices/<str:token>/", DeviceDetailView.as_view(), name="device-detail"),
    path("notifications/", InboxListView.as_view(), name="inbox"),
    path("notifications/read-all/", InboxReadAllView.as_view(), name="inbox-read-all"),
    path("notifications/<str:item_id>/read/", InboxReadView.as_view(), name="inbox-read"),
]
