"""The complaints API's views, one per operation: validate, call a selector or a service,
serialize (outputs.py). Mounted by complaints/api/__init__.py."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors, services
from complaints.api.outputs import (
    CategoryOutput,
    CategoryRefOutput,
    ComplaintDetailOutput,
    EventOutput,
    FeedComplaintOutput,
    OwnComplaintOutput,
)
from complaints.models import (
    DESCRIPTION_MAX,
    MAX_PHOTOS,
    Category,
    Complaint,
    Status,
)
from jaki.accounts.models import Organisation
from jaki.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    Pagination,
    QueryInput,
    error_responses,
    idempotent,
)
from jaki.media.api import UPLOAD_PARSER_CLASSES, ImageListField, StoredImageSerializer
from jaki.media.models import StoredImage
from jaki.regions.api import RegionRefOutput

COMPLAINT_ID = OpenApiParameter(
    "complaint_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The complaint's id."
)
NO_SUCH_COMPLAINT = gettext_lazy("There is no such complaint, or you may not see it.")
NO_SUCH_CATEGORY = gettext_lazy("There is no such category.")
FEED_MAX_RADIUS_M = 5000


# --- input ---------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Answers to the category's questions by code; in multipart, as JSON.",
    }
)
class AnswersField(serializers.Field):
    """An object of answers: a JSON object, or (in multipart) its JSON text."""

    default_error_messages = {
        "invalid": gettext_lazy("Send the answers as an object of question codes and answers.")
    }

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class PointInput(QueryInput):
    # DRF's FloatField already refuses nan and inf.
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="Latitude (WGS84).")
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="Longitude (WGS84).")


def category_of(code: str, *, field: str = "category") -> Category:
    category = selectors.category_active(code=code)
    if category is None:
        raise ValidationError({field: [str(NO_SUCH_CATEGORY)]})
    return category


def parse_id(complaint_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(complaint_id)
    except ValueError:
        raise NotFound(NO_SUCH_COMPLAINT) from None


def visible_complaint(request, complaint_id: str) -> Complaint:
    complaint = selectors.complaint_visible(public_id=parse_id(complaint_id), user=request.user)
    if complaint is None:
        raise NotFound(NO_SUCH_COMPLAINT)
    return complaint


def detail_data(request, complaint: Complaint) -> dict:
    user = request.user
    mine = bool(
        user.is_authenticated
        and complaint.reporter_id is not None
        and complaint.reporter_id == user.pk
    )
    context = {
        "request": request,
        "mine": mine,
        "staff": selectors.viewer_is_staff_of(complaint, user),
    }
    return ComplaintDetailOutput(complaint, context=context).data


# --- views ---------------------------------------------------------------------------------


class CategoryListView(APIView):
    """What a resident can report, in the request's language."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: CategoryOutput(many=True)},
        summary="Complaint categories",
        description=(
            "Active categories with their clocks and extra questions (Open311 attributes: "
            "datatype string, number, datetime, text, singlevaluelist or multivaluelist). "
            "Names, descriptions and questions follow Accept-Language (id by default)."
        ),
    )
    def get(self, request):
        categories = selectors.categories_active().select_related("organisation")
        return Response(CategoryOutput(categories, many=True).data)


class SimilarView(APIView):
    """Before submitting: open complaints of the same category close by, to support instead."""

    permission_classes = [IsAuthenticated]

    class Input(PointInput):
        category = serializers.SlugField(max_length=64, help_text="A category code.")

    class Output(serializers.Serializer):
        id = serializers.UUIDField(source="public_id")
        ticket = serializers.CharField()
        category = CategoryRefOutput()
        status = serializers.ChoiceField(choices=Status.choices)
        status_label = serializers.CharField(source="get_status_display")
        public = serializers.BooleanField()
        description = serializers.SerializerMethodField(
            help_text="Empty for a private complaint: only that it exists is shown."
        )
        kelurahan = RegionRefOutput()
        submitted_at = serializers.DateTimeField()
        support_count = serializers.IntegerField()
        distance_m = serializers.FloatField()
        photos = serializers.SerializerMethodField()

        def get_description(self, complaint: Complaint) -> str:
            return complaint.description if complaint.public else ""

        @extend_schema_field(StoredImageSerializer(many=True))
        def get_photos(self, complaint: Complaint) -> list[dict]:
            if not complaint.public:
                return []
            return StoredImageSerializer(
                complaint.photos.all(), many=True, context=self.context
            ).data

    @extend_schema(
        parameters=[Input],
        responses={200: Output(many=True), **error_responses(400)},
        summary="Similar open complaints nearby",
        description=(
            f"Open complaints of the category within {selectors.SIMILAR_RADIUS_M} m, nearest "
            "first, public or private; a private one shows no description or photos. The "
            "resident may support one instead of reporting it again."
        ),
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        category = category_of(data.validated_data["category"])
        found = selectors.complaints_similar(
            lat=data.validated_data["lat"], lon=data.validated_data["lon"], category=category
        )
        for complaint, distance in found:
            complaint.distance_m = round(distance, 1)
        rows = [complaint for complaint, __ in found]
        return Response(self.Output(rows, many=True, context={"request": request}).data)


class ComplaintListView(APIView):
    """The public feed (GET) and a resident's new report (POST)."""

    pagination_class = Pagination
    cursor_ordering = ("-submitted_at", "-id")
    parser_classes = UPLOAD_PARSER_CLASSES

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return [AllowAny()]

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
            max_value=FEED_MAX_RADIUS_M,
            help_text=f"Metres around lat/lon (default {selectors.FEED_RADIUS_M}).",
        )
        status = serializers.ChoiceField(choices=Status.choices, required=False)
        category = serializers.SlugField(max_length=64, required=False)

        def validate(self, attrs):
            attrs = super().validate(attrs)
            if ("lat" in attrs) != ("lon" in attrs):
                missing = "lon" if "lat" in attrs else "lat"
                raise serializers.ValidationError({missing: [_("Send lat and lon together.")]})
            if "radius" in attrs and "lat" not in attrs:
                raise serializers.ValidationError({"radius": [_("Send lat and lon with it.")]})
            return attrs

    class SubmitInput(serializers.Serializer):
        category = serializers.SlugField(max_length=64, help_text="A category code.")
        description = serializers.CharField(max_length=DESCRIPTION_MAX)
        lat = serializers.FloatField(min_value=-90, max_value=90)
        lon = serializers.FloatField(min_value=-180, max_value=180)
        address = serializers.CharField(max_length=255, required=False, allow_blank=True)
        public = serializers.BooleanField(
            default=False, help_text="Details visible to everyone (never the reporter's name)."
        )
        answers = AnswersField(required=False)
        personal_details = serializers.CharField(
            max_length=DESCRIPTION_MAX,
            required=False,
            allow_blank=True,
            help_text="What only staff may read; erased with the reporter.",
        )
        photos = ImageListField(
            max_items=MAX_PHOTOS, help_text="Up to 3 photos (multipart): JPEG, PNG, WebP, HEIC."
        )

    @extend_schema(
        parameters=[Input],
        responses={200: FeedComplaintOutput(many=True), **error_responses(400)},
        summary="The public feed",
        description=(
            "Complaints their reporters made public (never rejected ones), without who reported "
            "them. Without lat/lon: newest first, in cursor pages. With lat/lon: those within "
            f"`radius` metres (default {selectors.FEED_RADIUS_M}, at most {FEED_MAX_RADIUS_M}), "
            "nearest first, with `distance_m`: one page of up to page_size, `next` null."
        ),
    )
    def get(self, request):
        data = self.Input(data=request.query_params)
        data.is_valid(raise_exception=True)
        query = data.validated_data
        filters = {"status": query.get("status"), "category": query.get("category")}
        paginator = self.pagination_class()
        context = {"request": request}
        if "lat" in query:
            found = selectors.complaints_public_near(
                lat=query["lat"],
                lon=query["lon"],
                radius_m=query.get("radius", selectors.FEED_RADIUS_M),
                limit=paginator.get_page_size(request),
                **filters,
            )
            for complaint, distance in found:
                complaint.distance_m = round(distance, 1)
            rows = [complaint for complaint, __ in found]
            results = FeedComplaintOutput(rows, many=True, context=context).data
            return Response({"next": None, "previous": None, "results": results})
        page = paginator.paginate_queryset(
            selectors.complaints_public(**filters), request, view=self
        )
        return paginator.get_paginated_response(
            FeedComplaintOutput(page, many=True, context=context).data
        )

    @extend_schema(
        request={
            "multipart/form-data": SubmitInput,
            "application/json": SubmitInput,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OwnComplaintOutput, **error_responses(400, 401, 409, 413, 415, 422)},
        summary="Report a complaint",
        description=(
            "JSON, or multipart with up to 3 `photos` (and `answers` as JSON text). Routed to "
            "the kelurahan office of the point (400 `outside_jakarta` outside every kelurahan). "
            "Private unless `public` is true. A refused report stores nothing."
        ),
    )
    @idempotent
    def post(self, request):
        data = self.SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        complaint = services.complaint_submit(
            reporter=request.user,
            category=category_of(fields["category"]),
            description=fields["description"],
            lat=fields["lat"],
            lon=fields["lon"],
            address=fields.get("address", ""),
            public=fields["public"],
            photos=fields.get("photos", ()),
            answers=fields.get("answers"),
            personal_details=fields.get("personal_details", ""),
            request=request,
        )
        # The new row's photos are read back only when some were sent.
        photos = StoredImage.objects
        prefetch_related_objects(
            [complaint],
            Prefetch("photos", queryset=photos.all() if fields.get("photos") else photos.none()),
        )
        output = OwnComplaintOutput(complaint, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class MineView(APIView):
    """The caller's own complaints, newest first."""

    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    cursor_ordering = ("-submitted_at", "-id")

    @extend_schema(
        responses={200: OwnComplaintOutput(many=True), **error_responses(400, 401)},
        summary="My complaints",
        description="With both clocks and `overdue`, so the reporter sees a late answer.",
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.complaints_of_reporter(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(
            OwnComplaintOutput(page, many=True, context={"request": request}).data
        )


class ComplaintDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[COMPLAINT_ID],
        responses={200: ComplaintDetailOutput, **error_responses(404)},
        summary="A complaint with its timeline",
        description=(
            "Anyone may read a public complaint; a private one only its reporter and the staff "
            "who work on it (404 for anyone else). The timeline holds the public events; staff "
            "with rights on the complaint also see internal notes. Private photos come as "
            "short-lived signed URLs."
        ),
    )
    def get(self, request, complaint_id: str):
        complaint = visible_complaint(request, complaint_id)
        return Response(detail_data(request, complaint))


class CommentView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = UPLOAD_PARSER_CLASSES

    class Input(serializers.Serializer):
        text = serializers.CharField(max_length=DESCRIPTION_MAX)
        public = serializers.BooleanField(
            default=True, help_text="Staff only: false makes it an internal note."
        )
        photos = ImageListField(max_items=MAX_PHOTOS)

    @extend_schema(
        request={"multipart/form-data": Input, "application/json": Input},
        parameters=[COMPLAINT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={201: EventOutput, **error_responses(400, 401, 403, 404, 409, 413, 415, 422)},
        summary="Comment on a complaint",
        description="The reporter (always public) or staff (a reply, or an internal note).",
    )
    @idempotent
    def post(self, request, complaint_id: str):
        complaint = visible_complaint(request, complaint_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.complaint_comment(
            actor=request.user,
            complaint=complaint,
            text=data.validated_data["text"],
            public=data.validated_data["public"],
            photos=data.validated_data.get("photos", ()),
            request=request,
        )
        return Response(
            EventOutput(event, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class SupportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        parameters=[COMPLAINT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: inline_serializer("SupportCount", {"support_count": serializers.IntegerField()}),
            **error_responses(400, 401, 404, 409, 422),
        },
        summary="Support a complaint (me too)",
        description=(
            "Once per resident (409 `already_supported` the second time), not on one's own "
            "report, and only while it is open. Works on the open complaints `similar` lists, "
            "private ones too."
        ),
    )
    @idempotent
    def post(self, request, complaint_id: str):
        complaint = selectors.complaint_supportable(
            public_id=parse_id(complaint_id), user=request.user
        )
        if complaint is None:
            raise NotFound(NO_SUCH_COMPLAINT)
        count = services.complaint_support(user=request.user, complaint=complaint)
        return Response({"support_count": count}, status=status.HTTP_201_CREATED)


class TransitionView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = UPLOAD_PARSER_CLASSES

    class Input(serializers.Serializer):
        to = serializers.ChoiceField(choices=Status.choices)
        expected = serializers.ChoiceField(
            choices=Status.choices,
            required=False,
            help_text="The status the officer saw: 409 `status_changed` if it moved meanwhile.",
        )
        agency = serializers.SlugField(
            max_length=64, required=False, help_text="Dispatch: the organisation's code."
        )
        note = serializers.CharField(
            max_length=DESCRIPTION_MAX,
            required=False,
            allow_blank=True,
            help_text="Public: the response (required to resolve) or the reason to reject.",
        )
        internal_note = serializers.CharField(
            max_length=DESCRIPTION_MAX, required=False, allow_blank=True, help_text="Staff only."
        )
        public = serializers.BooleanField(
            default=True,
            help_text=(
                "False: `note` is an internal note (staff only) rather than a word to the "
                "reporter; resolving and rejecting still need a public `note`."
            ),
        )
        duplicate_of = serializers.UUIDField(
            required=False, help_text="Duplicate: the id of the original."
        )
        photos = ImageListField(
            max_items=MAX_PHOTOS, help_text="Photos of the move, e.g. of the completed work."
        )

    @extend_schema(
        request={"multipart/form-data": Input, "application/json": Input},
        parameters=[COMPLAINT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={
            200: ComplaintDetailOutput,
            **error_responses(400, 401, 403, 404, 409, 413, 415, 422),
        },
        summary="Move a complaint through the workflow",
        description=(
            "Staff with rights on the complaint. 409 `transition_not_allowed` for a move the "
            "workflow does not allow from the current status, 409 `status_changed` when "
            "`expected` is no longer the status, 403 without rights. Resolving needs a `note`."
        ),
    )
    @idempotent
    def post(self, request, complaint_id: str):
        complaint = visible_complaint(request, complaint_id)
        if not selectors.viewer_is_staff_of(complaint, request.user):
            raise services.NotPermitted()
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        organisation = None
        if fields.get("agency"):
            organisation = Organisation.objects.filter(code=fields["agency"]).first()
            if organisation is None:
                raise ValidationError({"agency": [_("There is no organisation with this code.")]})
        duplicate_of = None
        if fields.get("duplicate_of"):
            duplicate_of = selectors.complaint_visible(
                public_id=fields["duplicate_of"], user=request.user
            )
            if duplicate_of is None:
                raise ValidationError({"duplicate_of": [str(NO_SUCH_COMPLAINT)]})
        note, internal_note = fields.get("note", ""), fields.get("internal_note", "")
        if not fields["public"]:
            internal_note = "\n\n".join(text for text in (note, internal_note) if text.strip())
        services.complaint_transition(
            actor=request.user,
            complaint=complaint,
            to=fields["to"],
            expected=fields.get("expected"),
            note=note if fields["public"] else "",
            internal_note=internal_note,
            organisation=organisation,
            duplicate_of=duplicate_of,
            photos=fields.get("photos", ()),
            request=request,
        )
        return Response(detail_data(request, visible_complaint(request, complaint_id)))


class RatingView(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        stars = serializers.IntegerField(min_value=1, max_value=5)
        comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    @extend_schema(
        request=Input,
        parameters=[COMPLAINT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OwnComplaintOutput, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Rate the resolution",
        description=(
            "The reporter, once the complaint is resolved, once (409 `rating_not_allowed` "
            "before the resolution or a second time)."
        ),
    )
    @idempotent
    def post(self, request, complaint_id: str):
        complaint = visible_complaint(request, complaint_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_rate(
            user=request.user,
            complaint=complaint,
            stars=data.validated_data["stars"],
            comment=data.validated_data.get("comment", ""),
        )
        output = OwnComplaintOutput(
            visible_complaint(request, complaint_id), context={"request": request}
        )
        return Response(output.data, status=status.HTTP_201_CREATED)


class ReopenView(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        reason = serializers.CharField(max_length=DESCRIPTION_MAX)

    @extend_schema(
        request=Input,
        parameters=[COMPLAINT_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={200: OwnComplaintOutput, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Reopen: not really fixed",
        description=(
            "The reporter, within the reopen window after the resolution and before rating it "
            "(409 `reopen_not_allowed` otherwise). The complaint goes back to in_progress."
        ),
    )
    @idempotent
    def post(self, request, complaint_id: str):
        complaint = visible_complaint(request, complaint_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        services.complaint_reopen(
            user=request.user,
            complaint=complaint,
            reason=data.validated_data["reason"],
            request=request,
        )
        output = OwnComplaintOutput(
            visible_complaint(request, complaint_id), context={"request": request}
        )
        return Response(output.data)
