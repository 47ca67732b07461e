"""Water-gate readings from gauges: `POST /api/v1/water-gates/readings/` with an API key.

A gauge's key carries the scope `disasteralerts:gauge` and, as its resources, the codes of the
gates it may post for (`api_key_create gauge-manggarai --scope disasteralerts:gauge --resource
manggarai`): a reading for another gate is a 403. Posting the same gate and time again stores
nothing new (idempotent); a different level for a stored time is a 409.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from disasteralerts import selectors
from disasteralerts.watergates import LEVEL_MAX_CM, LEVEL_MIN_CM, reading_record
from jaki.api import error_responses
from jaki.apikeys.authentication import ApiKeyAuthentication
from jaki.apikeys.permissions import HasScope
from jaki.apikeys.throttles import ApiKeyRateThrottle

GAUGE_SCOPE = "disasteralerts:gauge"
MAX_ROWS = 500


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with its offset: a gauge's clock zone is never guessed."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            raise ValidationError(_("Send the time with its UTC offset (+07:00)."))
        return super().to_internal_value(value)


class ReadingInput(serializers.Serializer):
    gate = serializers.SlugField(max_length=64)
    measured_at = OffsetDateTimeField()
    level_cm = serializers.FloatField(min_value=LEVEL_MIN_CM, max_value=LEVEL_MAX_CM)


class ReadingsInput(serializers.Serializer):
    readings = ReadingInput(many=True, allow_empty=False, max_length=MAX_ROWS)


class ReadingOutput(serializers.Serializer):
    gate = serializers.CharField(source="gate.code")
    measured_at = serializers.DateTimeField()
    level_cm = serializers.FloatField()
    siaga = serializers.IntegerField(allow_null=True)


class ReadingsView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope(GAUGE_SCOPE)]
    throttle_classes = [ApiKeyRateThrottle]

    @extend_schema(
        operation_id="water_gate_readings_create",
        summary="Post water-gate readings (gauges, API key)",
        request=ReadingsInput,
        responses={
            201: inline_serializer(
                "ReadingsRecorded",
                {
                    "created": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "readings": ReadingOutput(many=True),
                },
            ),
            **error_responses(400, 401, 403, 409, 429),
        },
        tags=["warnings"],
    )
    def post(self, request):
        """Up to 500 readings `{gate, measured_at, level_cm}`; all stored or none."""
        body = ReadingsInput(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["readings"]
        codes = {row["gate"] for row in rows}
        if not all(request.auth.allows(code) for code in codes):
            raise PermissionDenied(_("This key may not post readings for that gate."))
        gates = selectors.water_gates_by_code(codes)
        unknown = sorted(codes - set(gates))
        if unknown:
            raise ValidationError({"gate": [_("No such gate: %(codes)s") % {"codes": unknown}]})
        with transaction.atomic():
            results = [
                reading_record(
                    gate=gates[row["gate"]],
                    measured_at=row["measured_at"],
                    level_cm=row["level_cm"],
                    source="gauge",
                    source_ref=f"apikey:{request.auth.pk}",
                )
                for row in rows
            ]
        created = sum(r.created for r in results)
        return Response(
            {
                "created": created,
                "duplicates": len(results) - created,
                "readings": ReadingOutput([r.reading for r in results], many=True).data,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


urlpatterns = [path("readings/", ReadingsView.as_view(), name="water-gate-readings")]
