"""What the complaints API answers with: plain Serializers over complaints the selectors
fetched with what they need (no query of their own beyond `timeline`), never naming the
reporter."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints import selectors
from complaints.models import Category, Complaint, Event, Question, Status
from jaki.media.api import StoredImageSerializer
from jaki.regions.api import RegionRefOutput


class AgencyOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="In the request's language.")
    icon = serializers.CharField()


class QuestionValueOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class QuestionOutput(serializers.Serializer):
    """A category's extra question, as an Open311 attribute."""

    code = serializers.CharField()
    datatype = serializers.ChoiceField(choices=Question.Datatype.choices)
    required = serializers.BooleanField()
    order = serializers.IntegerField(source="position")
    description = serializers.CharField(source="label", help_text="The question to ask.")
    values = serializers.SerializerMethodField()

    @extend_schema_field(QuestionValueOutput(many=True))
    def get_values(self, question: Question) -> list[dict]:
        return [{"key": str(v.get("key")), "name": question.value_name(v)} for v in question.values]


class CategoryOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    icon = serializers.CharField()
    routing = serializers.ChoiceField(choices=Category.Routing.choices)
    agency = AgencyOutput(
        source="organisation",
        allow_null=True,
        help_text="The organisation that answers; null: the kelurahan office of the location.",
    )
    sla_hours = serializers.IntegerField(
        source="resolution_sla_hours", help_text="Hours to resolve a complaint."
    )
    coordination_sla_hours = serializers.IntegerField(
        help_text="Hours for the office to coordinate (verify) a complaint."
    )
    questions = QuestionOutput(many=True)


class ComplaintOutput(serializers.Serializer):
    """A complaint as anyone may see it in a list: never who reported it."""

    id = serializers.UUIDField(source="public_id")
    ticket = serializers.CharField()
    category = CategoryRefOutput()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    public = serializers.BooleanField()
    description = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    address = serializers.CharField()
    kelurahan = RegionRefOutput()
    agency = AgencyOutput(source="organisation", help_text="Who answers for it now.")
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(
        allow_null=True, help_text="The deadline that runs now; null once it ended."
    )
    overdue = serializers.BooleanField(source="is_overdue")
    support_count = serializers.IntegerField()
    photos = StoredImageSerializer(many=True, source="photos.all")


class FeedComplaintOutput(ComplaintOutput):
    distance_m = serializers.SerializerMethodField(
        help_text="Metres from the point asked about; null when no point was given."
    )

    def get_distance_m(self, complaint: Complaint) -> float | None:
        return getattr(complaint, "distance_m", None)


class OwnComplaintOutput(ComplaintOutput):
    """A complaint as its reporter sees it: both clocks, the outcome, what they may do next."""

    coordination_due_at = serializers.DateTimeField()
    resolution_due_at = serializers.DateTimeField()
    coordination_overdue_at = serializers.DateTimeField(allow_null=True)
    resolution_overdue_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reopen_until = serializers.DateTimeField(
        allow_null=True, help_text="Rating or reopening is possible until then."
    )
    response = serializers.CharField(help_text="The answer given when it was resolved.")
    rejection_reason = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    reopen_count = serializers.IntegerField()


class EventOutput(serializers.Serializer):
    """One entry of the timeline. Staff are named by their organisation, never by person."""

    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    from_status = serializers.CharField(help_text="Empty unless the status changed.")
    to_status = serializers.CharField(help_text="Empty unless the status changed.")
    public = serializers.BooleanField(help_text="False: an internal note (staff only).")
    text = serializers.CharField()
    by_reporter = serializers.BooleanField()
    organisation = AgencyOutput(allow_null=True)
    attachments = StoredImageSerializer(many=True, source="attachments.all")
    created_at = serializers.DateTimeField()


class DuplicateRefOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    ticket = serializers.CharField()


class ComplaintDetailOutput(OwnComplaintOutput):
    """One complaint with its timeline. `answers` holds the answers to personal questions only
    for the reporter and staff; `personal_details` is for staff only (empty for anyone else)."""

    kecamatan = RegionRefOutput(allow_null=True)
    kota = RegionRefOutput(allow_null=True)
    office = AgencyOutput(help_text="The kelurahan office that coordinates it.")
    escalated_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was escalated to the parent office, being overdue."
    )
    duplicate_of = DuplicateRefOutput(allow_null=True)
    mine = serializers.SerializerMethodField(help_text="The viewer reported it.")
    staff = serializers.SerializerMethodField(help_text="The viewer works on it as staff.")
    answers = serializers.SerializerMethodField()
    personal_details = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    def get_mine(self, complaint: Complaint) -> bool:
        return self.context["mine"]

    def get_staff(self, complaint: Complaint) -> bool:
        return self.context["staff"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_answers(self, complaint: Complaint) -> dict:
        if self.context["mine"] or self.context["staff"]:
            return complaint.answers
        personal = {q.code for q in complaint.category.questions.all() if q.personal}
        return {k: v for k, v in complaint.answers.items() if k not in personal}

    def get_personal_details(self, complaint: Complaint) -> str:
        return complaint.personal_details if self.context["staff"] else ""

    @extend_schema_field(EventOutput(many=True))
    def get_timeline(self, complaint: Complaint) -> list[dict]:
        events = selectors.complaint_timeline(complaint=complaint, staff=self.context["staff"])
        return EventOutput(events, many=True, context=self.context).data
