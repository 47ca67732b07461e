"""The warnings API's views, one per operation: validate, call a selector or a service,
serialize (outputs.py). Mounted by disasteralerts/api/__init__.py."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from disasteralerts import permissions, selectors, services
from disasteralerts.api.outputs import (
    AlertOutput,
    DeliveryOutput,
    OfficerAlertOutput,
    region_names,
)
from disasteralerts.hazards import HAZARDS
from disasteralerts.models import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    Category,
    Certainty,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from jaki.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    Pagination,
    QueryInput,
    error_responses,
    idempotent,
)

ALERT_ID = OpenApiParameter(
    "alert_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The warning's id."
)
NO_SUCH_ALERT = gettext_lazy("There is no such warning, or you may not see it.")


def visible_alert(request, alert_id: str):
    try:
        public_id = uuid.UUID(alert_id)
    except ValueError:
        raise NotFound(NO_SUCH_ALERT) from None
    alert = selectors.alert_visible(public_id=public_id, user=request.user)
    if alert is None:
        raise NotFound(NO_SUCH_ALERT)
    return alert


def render(request, alerts, *, many: bool = False):
    rows = list(alerts) if many else [alerts]
    output = OfficerAlertOutput if permissions.is_alert_officer(request.user) else AlertOutput
    context = {"request": request, "region_names": region_names(rows)}
    return output(rows if many else alerts, many=many, context=context).data


# --- input ---------------------------------------------------------------------------------


class TextsInput(serializers.Serializer):
    headline = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    instruction = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    short_text = serializers.CharField(required=False, allow_blank=True, max_length=SHORT_TEXT_MAX)
    long_text = serializers.CharField(required=False, allow_blank=True, max_length=LONG_TEXT_MAX)
    event = serializers.CharField(required=False, allow_blank=True, max_length=120)
    sender_name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InfoInput(serializers.Serializer):
    id = TextsInput(required=False, help_text="Indonesian texts.")
    en = TextsInput(required=False, help_text="English texts.")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send the texts under 'id' and/or 'en'."))
        return attrs


class CircleInput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    radius_km = serializers.FloatField(help_text="More than 0.")


class AreaInput(serializers.Serializer):
    description = serializers.CharField(max_length=255)
    polygons = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField()),
            help_text="A closed ring of 4 to 5,000 [lat, lon] points, edges not crossing.",
        ),
        required=False,
        default=list,
    )
    circles = CircleInput(many=True, required=False, default=list)
    kelurahan = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        help_text="Kemendagri kelurahan codes, e.g. 31.71.01.1001.",
    )


class DraftInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    event = serializers.CharField(max_length=120)
    category = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    certainty = serializers.ChoiceField(choices=Certainty.choices)
    response_type = serializers.ListField(
        child=serializers.ChoiceField(choices=ResponseType.choices), required=False, default=list
    )
    effective = serializers.DateTimeField()
    onset = serializers.DateTimeField(required=False)
    expires = serializers.DateTimeField()
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.PUBLIC)
    restriction = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    web = serializers.URLField(required=False, allow_blank=True, max_length=200)
    contact = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hazard = serializers.ChoiceField(choices=sorted(HAZARDS), required=False)
    info = InfoInput()
    areas = AreaInput(many=True)


def draft_arguments(data: dict) -> dict:
    return {
        key: value
        for key, value in data.items()
        if key
        in {
            "status", "event", "category", "urgency", "severity", "certainty",
            "response_type", "effective", "onset", "expires", "scope", "restriction",
            "note", "web", "contact", "hazard", "info", "areas",
        }
    }  # fmt: skip


# --- views ---------------------------------------------------------------------------------


class AlertListView(APIView):
    """Active public warnings (GET) and an author's new draft (POST)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAlertAuthor()]
        return [AllowAny()]

    class Input(QueryInput):
        lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
        lon = serializers.FloatField(required=False, min_value=-180, max_value=180)

        def validate(self, attrs):
            if ("lat" in attrs) != ("lon" in attrs):
                missing = "lon" if "lat" in attrs else "lat"
                raise serializers.ValidationError({missing: [_("Send lat and lon together.")]})
            return attrs

    @extend_schema(
        operation_id="alerts_active",
        parameters=[Input],
        responses={
            200: inline_serializer(
                name="ActiveAlerts",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": AlertOutput(many=True),
                },
            ),
            **error_responses(400),
        },
        summary="Active warnings",
        description=(
            "Public warnings in force now, newest first (one page: there are few). With lat/lon, "
            "only those whose area holds the point or whose kelurahan list includes the point's."
        ),
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        alerts = selectors.alerts_active(
            lat=data.validated_data.get("lat"), lon=data.validated_data.get("lon")
        )
        results = render(request, alerts, many=True)
        return Response({"next": None, "previous": None, "results": results})

    @extend_schema(
        request=DraftInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OfficerAlertOutput, **error_responses(400, 401, 403, 409, 422)},
        summary="Draft a warning",
        description=(
            "An alert author's draft (state `draft`), validated whole: polygons closed, not "
            "self-intersecting, 4 to 5,000 points; circles with a positive radius; expires after "
            "effective; known kelurahan codes; short text <= 90 and long text <= 360 characters."
        ),
    )
    @idempotent
    def post(self, request):
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = services.alert_draft(
            author=request.user, request=request, **draft_arguments(data.validated_data)
        )
        alert = visible_alert(request, str(alert.public_id))
        return Response(render(request, alert), status=status.HTTP_201_CREATED)


class AlertHistoryView(APIView):
    permission_classes = [AllowAny]
    pagination_class = Pagination
    cursor_ordering = ("-sent", "-id")

    @extend_schema(
        responses={200: AlertOutput(many=True)},
        operation_id="alerts_history",
        summary="Warning history",
        description="Every public warning that went out, newest first, in cursor pages.",
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.alerts_history(), request, view=self)
        return paginator.get_paginated_response(render(request, page, many=True))


class AlertDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[ALERT_ID],
        responses={200: AlertOutput, **error_responses(404)},
        summary="A warning",
        description="A public warning to anyone; officers also see drafts and test warnings.",
    )
    def get(self, request, alert_id: str):
        return Response(render(request, visible_alert(request, alert_id)))


class _Step(APIView):
    permission_classes = [permissions.IsAlertOfficer]


class SubmitView(_Step):
    permission_classes = [permissions.IsAlertAuthor]

    @extend_schema(
        request=None,
        parameters=[ALERT_ID],
        responses={200: OfficerAlertOutput, **error_responses(401, 403, 404, 409)},
        summary="Submit a draft for approval",
        description="Its author only; a draft becomes `pending`.",
    )
    def post(self, request, alert_id: str):
        alert = services.alert_submit(
            alert=visible_alert(request, alert_id), user=request.user, request=request
        )
        return Response(render(request, visible_alert(request, str(alert.public_id))))


class ApproveView(_Step):
    @extend_schema(
        request=None,
        parameters=[ALERT_ID],
        responses={200: OfficerAlertOutput, **error_responses(401, 403, 404, 409)},
        summary="Approve and broadcast",
        description=(
            "An alert approver who is not the author (403 for the author). The warning is "
            "broadcast at once; a second approval is 409."
        ),
    )
    def post(self, request, alert_id: str):
        alert = services.alert_approve(
            alert=visible_alert(request, alert_id), user=request.user, request=request
        )
        return Response(render(request, visible_alert(request, str(alert.public_id))))


class CancelInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CancelView(_Step):
    @extend_schema(
        request=CancelInput,
        parameters=[ALERT_ID],
        responses={
            201: OfficerAlertOutput,
            200: OfficerAlertOutput,
            **error_responses(400, 401, 403, 404, 409),
        },
        summary="Cancel a warning",
        description=(
            "One call by its author or an approver, no second approval. A broadcast warning gets "
            "a CAP Cancel message referencing it, sent to the same devices (201, the Cancel); a "
            "draft or pending one is withdrawn (200). A cancelled warning is 409."
        ),
    )
    def post(self, request, alert_id: str):
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        original = visible_alert(request, alert_id)
        result = services.alert_cancel(
            alert=original, user=request.user, request=request, **data.validated_data
        )
        code = status.HTTP_200_OK if result.pk == original.pk else status.HTTP_201_CREATED
        return Response(render(request, visible_alert(request, str(result.public_id))), code)


class UpdateView(_Step):
    permission_classes = [permissions.IsAlertAuthor]

    @extend_schema(
        request=DraftInput,
        parameters=[ALERT_ID],
        responses={201: OfficerAlertOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Draft an update",
        description=(
            "A CAP Update of a broadcast warning: a new draft referencing it, same status and "
            "incident. It needs submitting and a second officer's approval like any draft, and "
            "reaches the original's audience as well as its own areas."
        ),
    )
    def post(self, request, alert_id: str):
        original = visible_alert(request, alert_id)
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.alert_draft_update(
            original=original,
            author=request.user,
            request=request,
            **draft_arguments(data.validated_data),
        )
        return Response(
            render(request, visible_alert(request, str(update.public_id))),
            status=status.HTTP_201_CREATED,
        )


class DeliveryView(_Step):
    @extend_schema(
        parameters=[ALERT_ID],
        responses={200: DeliveryOutput, **error_responses(401, 403, 404)},
        summary="Delivery counts",
        description="Officers: how the broadcast went, over its per-device and topic sends.",
    )
    def get(self, request, alert_id: str):
        alert = visible_alert(request, alert_id)
        return Response(DeliveryOutput(selectors.alert_delivery(alert=alert)).data)


class PreviewView(_Step):
    @extend_schema(
        parameters=[ALERT_ID],
        responses={
            200: inline_serializer(
                name="AlertPreview",
                fields={
                    "devices": serializers.IntegerField(),
                    "kelurahan": serializers.ListField(child=serializers.CharField()),
                    "is_test": serializers.BooleanField(),
                },
            ),
            **error_responses(401, 403, 404),
        },
        summary="Preview the audience",
        description="Officers, before approval: how many devices approval would reach now.",
    )
    def get(self, request, alert_id: str):
        alert = visible_alert(request, alert_id)
        _area, codes = selectors.alert_audience(alert)
        return Response(
            {
                "devices": selectors.alert_preview_count(alert=alert),
                "kelurahan": codes,
                "is_test": alert.is_test,
            }
        )
