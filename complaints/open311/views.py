"""Open311 GeoReport v2 views: thin, as every view of the house. They read the query or the
form, call the Open311 selectors or `complaint_submit`, and hand plain data to the renderers
of `formats`. Errors leave as GeoReport errors, `[{"code": 400, "description": "…"}]` or
`<errors><error>…</error></errors>`, whose code is the HTTP status (400, 403, 404, …)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from complaints.models import DESCRIPTION_MAX, Complaint, Question
from complaints.open311 import selectors
from complaints.open311.formats import (
    Open311JSONRenderer,
    Open311XMLRenderer,
    error_responses,
    exception_handler,
)
from complaints.open311.permissions import MaySubmit, Open311KeyAuthentication
from complaints.services import InvalidAnswers, complaint_submit
from jaki.api import IDEMPOTENCY_KEY_PARAMETER, QueryInput, idempotent
from jaki.apikeys.models import ApiKey
from jaki.apikeys.throttles import ApiKeyRateThrottle
from jaki.media.selectors import media_url
from jaki.parsers import MultiPartParser
from jaki.schema import AutoSchema

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The date the published service list or this endpoint last changed in a way clients see.
CHANGESET = "2026-12-07T00:00:00+07:00"
# The Kemendagri code of DKI Jakarta: the one jurisdiction this endpoint serves.
JURISDICTION_ID = "31"
FORMATS = ("json", "xml")

ATTRIBUTE_FIELD = re.compile(r"^attributes?\[([^\[\]]+)\](\[\])?$")

DATATYPE_DESCRIPTIONS = {
    Question.Datatype.STRING: gettext_lazy("Short text, at most 255 characters."),
    Question.Datatype.NUMBER: gettext_lazy("A number, such as 30 or 2.5."),
    Question.Datatype.DATETIME: gettext_lazy(
        "A date and time in ISO 8601 with its offset, such as 2026-12-07T08:00:00+07:00."
    ),
    Question.Datatype.TEXT: gettext_lazy("Text, at most 4,000 characters."),
    Question.Datatype.SINGLE: gettext_lazy("The key of one of the values."),
    Question.Datatype.MULTI: gettext_lazy("Keys of the values, the field repeated for each."),
}

NO_MEDIA = gettext_lazy(
    "media_url is not fetched: photos reach a complaint through the JAKI app only."
)


class Open311Schema(AutoSchema):
    """Open311 errors are GeoReport errors: no house-shaped 401 is added (a bad key is a 403).
    The api_key is a field of the POST's form (documented there), which no OpenAPI security
    scheme can describe: the operations name none."""

    def get_auth(self) -> list:
        return []

    def _get_response_bodies(self, direction="response"):
        # Skip the house schema's 401: its body is the house error shape, not GeoReport's.
        return openapi.AutoSchema._get_response_bodies(self, direction)

    def _format(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def get_operation_id(self) -> str:
        name = re.sub(
            r"(?<!^)(?=[A-Z])",
            "_",
            type(self.view).__name__.removeprefix("Open311").removesuffix("View"),
        )
        action = "create" if self.method == "POST" else "get"
        return f"open311_{name.lower()}_{action}_{self._format()}"

    def map_renderers(self, attribute: str) -> list:
        """The one format of the path (`.json` or `.xml`), not both."""
        return [
            getattr(renderer, attribute).split(";")[0]
            for renderer in self.view.get_renderers()
            if renderer.format == self._format()
        ]


# --- output ------------------------------------------------------------------------------


def _local(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


class Open311RequestOutput(serializers.Serializer):
    """One service request. Private and rejected complaints leave out their description, point,
    address, photos and notes (selectors.shows_details); the reporter is never in it."""

    service_request_id = serializers.CharField(source="ticket", help_text="The ticket.")
    status = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="category.name")
    service_code = serializers.CharField(source="category.code")
    description = serializers.SerializerMethodField()
    agency_responsible = serializers.CharField(source="organisation.name")
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.SerializerMethodField()
    updated_datetime = serializers.SerializerMethodField()
    expected_datetime = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    address_id = serializers.SerializerMethodField()
    zipcode = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    long = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()
    kelurahan_code = serializers.CharField(
        source="kelurahan.code", help_text="Extension: the Kemendagri code of the kelurahan."
    )

    @extend_schema_field(serializers.ChoiceField(choices=["open", "closed"]))
    def get_status(self, complaint: Complaint) -> str:
        return selectors.open311_status(complaint)

    def get_status_notes(self, complaint: Complaint) -> str:
        if not selectors.shows_details(complaint):
            return ""
        if complaint.status == Complaint.Status.DUPLICATE and complaint.duplicate_of:
            return _("Duplicate of %(ticket)s.") % {"ticket": complaint.duplicate_of.ticket}
        return complaint.response

    def get_description(self, complaint: Complaint) -> str:
        return complaint.description if selectors.shows_details(complaint) else ""

    def get_service_notice(self, complaint: Complaint) -> str:
        return ""

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_requested_datetime(self, complaint: Complaint) -> str | None:
        return _local(complaint.submitted_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_updated_datetime(self, complaint: Complaint) -> str | None:
        return _local(complaint.updated_at)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expected_datetime(self, complaint: Complaint) -> str | None:
        return _local(complaint.due_at)

    def get_address(self, complaint: Complaint) -> str:
        if selectors.shows_details(complaint) and complaint.address:
            return complaint.address
        return complaint.kelurahan.name

    def get_address_id(self, complaint: Complaint) -> str:
        return ""

    def get_zipcode(self, complaint: Complaint) -> str:
        return ""

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_lat(self, complaint: Complaint) -> float | None:
        return complaint.lat if selectors.shows_details(complaint) else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_long(self, complaint: Complaint) -> float | None:
        return complaint.lon if selectors.shows_details(complaint) else None

    # A URL, or empty when the request has no photo or keeps its details private.
    @extend_schema_field(
        {"oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
    )
    def get_media_url(self, complaint: Complaint) -> str:
        photos = getattr(complaint, "open311_photos", None)
        if photos is None:
            photos = list(complaint.photos.all())
        if not photos or not selectors.shows_details(complaint):
            return ""
        return media_url(photos[0], request=self.context.get("request"))


# --- views -------------------------------------------------------------------------------


class GeoReportView(APIView):
    """Anonymous reads in `.json` or `.xml` (the path's `format`), GeoReport errors."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonRateThrottle]
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    schema = Open311Schema()
    xml_root = "response"
    xml_item: str | None = None

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The query only: the body is read by the handler (a wrong method must stay a 405).
        check_jurisdiction(request.query_params.get("jurisdiction_id"))


def check_jurisdiction(jurisdiction: str | None) -> None:
    if jurisdiction and jurisdiction != JURISDICTION_ID:
        raise exceptions.NotFound(
            _("Unknown jurisdiction_id: this endpoint serves %(id)s (DKI Jakarta).")
            % {"id": JURISDICTION_ID}
        )


class Open311DiscoveryView(GeoReportView):
    """The service discovery document: which specification, where, in which formats."""

    xml_root = "discovery"

    class Output(serializers.Serializer):
        changeset = serializers.CharField()
        contact = serializers.CharField()
        key_service = serializers.CharField()
        endpoints = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses={200: Output, **error_responses(404)})
    def get(self, request, format=None):
        url = request.build_absolute_uri(reverse("open311-discovery-xml"))
        return Response(
            {
                "changeset": CHANGESET,
                "contact": _(
                    "Dinas Komunikasi, Informatika dan Statistik Provinsi DKI Jakarta (JAKI)."
                ),
                "key_service": _("Ask Diskominfotik for an Open311 api_key for your client."),
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": url.rsplit("/", 1)[0],
                        "changeset": CHANGESET,
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
        )


def _service(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(selectors.questions_of(category)),
        "type": "realtime",
        "keywords": "",
        "group": category.organisation.name if category.organisation_id else "",
    }


class Open311ServiceOutput(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField(help_text="Whether the service has attributes.")
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField()


class Open311ServiceListView(GeoReportView):
    """Every category that takes reports, as a GeoReport service, in the request's language."""

    xml_root, xml_item = "services", "service"

    @extend_schema(
        responses={200: Open311ServiceOutput(many=True), **error_responses(404)},
    )
    def get(self, request, format=None):
        categories = selectors.open311_services().select_related("organisation")
        return Response([_service(category) for category in categories])


class Open311ServiceDefinitionView(GeoReportView):
    """One service's attributes: the category's questions."""

    xml_root = "service_definition"

    class Output(serializers.Serializer):
        service_code = serializers.CharField()
        attributes = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses={200: Output, **error_responses(404)})
    def get(self, request, service_code: str, format=None):
        category = selectors.open311_service(code=service_code)
        if category is None:
            raise exceptions.NotFound(
                _("There is no service with the code %(code)s.") % {"code": service_code}
            )
        attributes = [
            {
                "variable": True,
                "code": question.code,
                "datatype": question.datatype,
                "required": question.required,
                "datatype_description": str(DATATYPE_DESCRIPTIONS[question.datatype]),
                "order": question.position,
                "description": question.label,
                "values": [
                    {"key": str(value.get("key")), "name": question.value_name(value)}
                    for value in question.values or []
                ],
            }
            for question in selectors.questions_of(category)
        ]
        return Response({"service_code": category.code, "attributes": attributes})


class Open311RequestsQuery(QueryInput):
    service_request_id = serializers.CharField(
        required=False,
        max_length=2000,
        help_text="Tickets, comma separated; when given, every other filter is ignored.",
    )
    service_code = serializers.CharField(
        required=False, max_length=2000, help_text="Service codes, comma separated."
    )
    start_date = serializers.DateTimeField(
        required=False, help_text="Requested at or after (ISO 8601 with offset)."
    )
    end_date = serializers.DateTimeField(
        required=False, help_text="Requested at or before; at most 90 days after start_date."
    )
    status = serializers.CharField(
        required=False, max_length=20, help_text="open or closed (or both, comma separated)."
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000, default=1)
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        default=selectors.DEFAULT_PAGE_SIZE,
        help_text=f"Requests per page, at most {selectors.MAX_PAGE_SIZE} (more gives that many).",
    )
    jurisdiction_id = serializers.CharField(required=False, help_text="31 (DKI Jakarta) or none.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name in ("service_request_id", "service_code", "status"):
            if name in attrs:
                attrs[name] = [part.strip() for part in attrs[name].split(",") if part.strip()]
        bad = [s for s in attrs.get("status", []) if s not in selectors.OPEN311_STATUSES]
        if bad:
            raise serializers.ValidationError({"status": [_("Send open or closed.")]})
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end:
            if end < start:
                raise serializers.ValidationError(
                    {"end_date": [_("The end date is before the start date.")]}
                )
            if end - start > selectors.MAX_RANGE:
                raise serializers.ValidationError(
                    {"end_date": [_("Ask for at most 90 days at a time.")]}
                )
        return attrs


class Open311RequestsView(GeoReportView):
    """GET: service requests, newest first (filters, `page`/`page_size`; a `Link: rel="next"`
    header when there are more). POST: a new request from a client holding an api_key."""

    authentication_classes = [Open311KeyAuthentication]
    permission_classes = [MaySubmit]
    parser_classes = [FormParser, MultiPartParser]
    xml_root, xml_item = "service_requests", "request"

    def get_throttles(self):
        # A client's key has its own bucket; readers share the anonymous one per address.
        if isinstance(getattr(self.request, "auth", None), ApiKey):
            return [ApiKeyRateThrottle()]
        return [AnonRateThrottle()]

    class Input(serializers.Serializer):
        # Read by Open311KeyAuthentication before this runs (403 without it).
        api_key = serializers.CharField(help_text="The client's Open311 key.")
        service_code = serializers.CharField(max_length=64)
        lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
        long = serializers.FloatField(required=False, min_value=-180, max_value=180)
        address_string = serializers.CharField(required=False, allow_blank=True, max_length=255)
        address_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
        email = serializers.EmailField(required=False, allow_blank=True)
        device_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
        account_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
        first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
        last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
        description = serializers.CharField(
            required=False, allow_blank=True, max_length=DESCRIPTION_MAX
        )
        media_url = serializers.URLField(
            required=False, allow_blank=True, help_text="Not fetched (see service_notice)."
        )
        public = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Extension: show the details to everyone. Requests are private otherwise.",
        )
        jurisdiction_id = serializers.CharField(required=False)

        def validate(self, attrs):
            attrs = super().validate(attrs)
            if ("lat" in attrs) != ("long" in attrs):
                missing = "long" if "lat" in attrs else "lat"
                raise serializers.ValidationError({missing: [_("Send lat and long together.")]})
            if "lat" not in attrs:
                raise serializers.ValidationError(
                    {
                        "lat": [
                            _(
                                "Send lat and long: requests are routed to the kelurahan of "
                                "their point, and an address alone cannot be located."
                            )
                        ]
                    }
                )
            return attrs

    class CreatedOutput(serializers.Serializer):
        service_request_id = serializers.CharField()
        service_notice = serializers.CharField()
        account_id = serializers.CharField(allow_null=True)
        token = serializers.CharField(help_text="For tokens/{token}: the id comes at once anyway.")

    @extend_schema(
        parameters=[Open311RequestsQuery],
        responses={200: Open311RequestOutput(many=True), **error_responses(400, 404)},
    )
    def get(self, request, format=None):
        query = Open311RequestsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = selectors.open311_requests(
            ids=params.get("service_request_id", ()),
            service_codes=params.get("service_code", ()),
            start=params.get("start_date"),
            end=params.get("end_date"),
            statuses=params.get("status", ()),
            page=params["page"],
            page_size=params["page_size"],
        )
        data = Open311RequestOutput(page.complaints, many=True, context={"request": request}).data
        headers = {}
        if page.has_more:
            following = request.GET.copy()
            following["page"] = str(params["page"] + 1)
            url = request.build_absolute_uri(f"{request.path}?{following.urlencode()}")
            headers["Link"] = f'<{url}>; rel="next"'
        return Response(data, headers=headers)

    @extend_schema(
        request={"application/x-www-form-urlencoded": Input},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: CreatedOutput(many=True), **error_responses(400, 403, 404, 415, 429)},
        description=(
            "Answers to the service's attributes as `attribute[code]=value` fields (repeat "
            "`attribute[code][]=key` for a multivaluelist)."
        ),
    )
    @idempotent
    def post(self, request, format=None):
        raw = request.data
        answers = _answers(raw)
        fields = {k: v for k, v in raw.items() if not ATTRIBUTE_FIELD.match(k)}
        serializer = self.Input(data={**fields, "api_key": request.POST.get("api_key")})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_jurisdiction(data.get("jurisdiction_id"))
        category = selectors.open311_service(code=data["service_code"])
        if category is None:
            raise serializers.ValidationError(
                {"service_code": [_("There is no service with this code.")]}
            )
        multi = {
            q.code
            for q in selectors.questions_of(category)
            if q.datatype == Question.Datatype.MULTI
        }
        answers = {
            code: (values if code in multi else values[-1]) for code, values in answers.items()
        }
        try:
            complaint = complaint_submit(
                reporter=None,
                category=category,
                description=data.get("description", ""),
                lat=data["lat"],
                lon=data["long"],
                address=data.get("address_string", ""),
                public=data["public"],
                answers=answers,
                source=Complaint.Source.OPEN311,
                api_key=request.auth,
                reporter_name=" ".join(
                    n for n in (data.get("first_name", ""), data.get("last_name", "")) if n
                ),
                contact_email=data.get("email", ""),
                contact_phone=data.get("phone", ""),
                device_id=data.get("device_id", ""),
                request=request._request,
            )
        except InvalidAnswers as error:
            raise exceptions.ValidationError(error.detail) from None
        notice = str(NO_MEDIA) if data.get("media_url") else ""
        created = {
            "service_request_id": complaint.ticket,
            "service_notice": notice,
            "account_id": None,
            "token": str(complaint.public_id),
        }
        return Response([created], status=status.HTTP_201_CREATED)


def _answers(raw) -> dict[str, list[str]]:
    """`attribute[code]` and `attribute[code][]` fields by code. A NUL character is refused
    here: PostgreSQL cannot store one, in text or in JSON."""
    answers: dict[str, list[str]] = {}
    for key in raw:
        match = ATTRIBUTE_FIELD.match(key)
        if match:
            values = raw.getlist(key) if hasattr(raw, "getlist") else [raw[key]]
            if any("\x00" in str(value) for value in values) or "\x00" in key:
                raise exceptions.ValidationError(
                    {f"attribute[{match.group(1)}]": [_("Null characters are not allowed.")]}
                )
            answers.setdefault(match.group(1), []).extend(values)
    return answers


class Open311RequestDetailView(GeoReportView):
    """One service request, as a list of one (as the specification writes it)."""

    xml_root, xml_item = "service_requests", "request"

    @extend_schema(responses={200: Open311RequestOutput(many=True), **error_responses(404)})
    def get(self, request, service_request_id: str, format=None):
        complaint = selectors.open311_request(service_request_id=service_request_id)
        if complaint is None:
            raise exceptions.NotFound(_("There is no service request with this id."))
        return Response(
            Open311RequestOutput([complaint], many=True, context={"request": request}).data
        )


class Open311TokenView(GeoReportView):
    """The service request a POST's token stands for. Ids are given at once, so every token
    has one."""

    xml_root, xml_item = "service_requests", "request"

    class Output(serializers.Serializer):
        service_request_id = serializers.CharField()
        token = serializers.CharField()

    @extend_schema(responses={200: Output(many=True), **error_responses(404)})
    def get(self, request, token: str, format=None):
        complaint = selectors.open311_request_for_token(token=token)
        if complaint is None:
            raise exceptions.NotFound(_("There is no service request for this token."))
        return Response([{"service_request_id": complaint.ticket, "token": token}])
