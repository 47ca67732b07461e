"""How a warning looks in the API: its CAP fields in the request's language, its areas with the
kelurahan as {code, name}, and for officers the workflow (author, approver, state)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from disasteralerts.models import Alert, Info, State, Status
from jaki.api import request_language
from jaki.regions.api import RegionRefOutput
from jaki.regions.models import Region


class CircleOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    radius_km = serializers.FloatField()


class AreaOutput(serializers.Serializer):
    description = serializers.CharField()
    polygons = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
        help_text="Closed rings of [lat, lon] points (CAP order).",
    )
    circles = CircleOutput(many=True)
    kelurahan = serializers.SerializerMethodField()

    def get_kelurahan(self, area) -> list[dict]:
        names = self.context.get("region_names", {})
        return RegionRefOutput(
            [{"code": c, "name": names.get(c, c)} for c in area.kelurahan], many=True
        ).data


class ReferenceOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    identifier = serializers.CharField()
    sender = serializers.CharField()
    sent = serializers.DateTimeField()
    msg_type = serializers.CharField()


class InfoOutput(serializers.Serializer):
    event = serializers.CharField()
    headline = serializers.CharField()
    description = serializers.CharField()
    instruction = serializers.CharField()
    short_text = serializers.CharField()
    long_text = serializers.CharField()
    sender_name = serializers.CharField()
    web = serializers.CharField()
    contact = serializers.CharField()


class AlertOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    identifier = serializers.CharField()
    sender = serializers.CharField()
    sent = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    msg_type = serializers.CharField()
    scope = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    is_test = serializers.BooleanField(help_text="Test or Exercise: never shown to the public.")
    incidents = serializers.CharField()
    event = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    response_type = serializers.SerializerMethodField()
    urgency = serializers.SerializerMethodField()
    severity = serializers.SerializerMethodField()
    certainty = serializers.SerializerMethodField()
    effective = serializers.SerializerMethodField()
    onset = serializers.SerializerMethodField()
    expires = serializers.DateTimeField()
    headline = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    instruction = serializers.SerializerMethodField()
    short_text = serializers.SerializerMethodField()
    long_text = serializers.SerializerMethodField()
    sender_name = serializers.SerializerMethodField()
    web = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    info = serializers.SerializerMethodField()
    areas = serializers.SerializerMethodField()
    references = ReferenceOutput(many=True)
    cap_url = serializers.SerializerMethodField()

    def _info(self, alert: Alert) -> Info:
        return alert.info(request_language())

    def get_event(self, alert) -> str:
        return self._info(alert).event

    def get_category(self, alert) -> list[str]:
        return self._info(alert).category

    def get_response_type(self, alert) -> list[str]:
        return self._info(alert).response_type

    def get_urgency(self, alert) -> str:
        return self._info(alert).urgency

    def get_severity(self, alert) -> str:
        return self._info(alert).severity

    def get_certainty(self, alert) -> str:
        return self._info(alert).certainty

    def get_effective(self, alert) -> str:
        return serializers.DateTimeField().to_representation(self._info(alert).effective)

    def get_onset(self, alert) -> str | None:
        onset = self._info(alert).onset
        return serializers.DateTimeField().to_representation(onset) if onset else None

    def get_headline(self, alert) -> str:
        return self._info(alert).headline

    def get_description(self, alert) -> str:
        return self._info(alert).description

    def get_instruction(self, alert) -> str:
        return self._info(alert).instruction

    def get_short_text(self, alert) -> str:
        return self._info(alert).short_text

    def get_long_text(self, alert) -> str:
        return self._info(alert).long_text

    def get_sender_name(self, alert) -> str:
        return self._info(alert).sender_name

    def get_web(self, alert) -> str:
        return self._info(alert).web

    def get_contact(self, alert) -> str:
        return self._info(alert).contact

    def get_info(self, alert) -> dict[str, dict]:
        """Both languages' texts, for a client that switches language offline."""
        return {i.language: InfoOutput(i).data for i in alert.infos.all()}

    def get_areas(self, alert) -> list[dict]:
        return AreaOutput(alert.areas.all(), many=True, context=self.context).data

    def get_cap_url(self, alert) -> str:
        path = reverse("alert-cap", kwargs={"alert_id": alert.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OfficerAlertOutput(AlertOutput):
    author = serializers.CharField(source="author.name", allow_null=True, default=None)
    approver = serializers.CharField(source="approver.name", allow_null=True, default=None)
    source = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class DeliveryOutput(serializers.Serializer):
    targeted = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    pruned = serializers.IntegerField()
    first_sent_at = serializers.DateTimeField(allow_null=True)
    last_sent_at = serializers.DateTimeField(allow_null=True)
    devices = serializers.IntegerField(help_text="Devices targeted one by one.")
    topics = serializers.IntegerField(help_text="Kelurahan topic messages (urgent city-wide).")
    done = serializers.BooleanField()


def region_names(alerts: list[Alert]) -> dict[str, str]:
    """Names of every kelurahan the alerts' areas name, in one query."""
    codes = {code for alert in alerts for area in alert.areas.all() for code in area.kelurahan}
    if not codes:
        return {}
    return dict(Region.objects.filter(code__in=codes).defer("boundary").values_list("code", "name"))
