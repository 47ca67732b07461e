"""API conventions every app uses: one error shape, one pagination, throttles, idempotency.

Errors always look like ``{"error": {"code": …, "message": …, "fields": {…}}}`` (``fields`` only
for validation errors), whatever raised them: DRF, Django, a domain error, or a bug in production.
"""

import base64
import functools
import hashlib
import json
import logging
import re
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from jaki import faults
from jaki.idempotency import services as idempotency

logger = logging.getLogger(__name__)


class DomainError(exceptions.APIException):
    """Base of the errors services raise; views let them through to the handler."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = gettext_lazy("The request could not be carried out.")


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("The request conflicts with the current state.")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = gettext_lazy("The request is too large.")


class InvalidCursor(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_cursor"
    default_detail = gettext_lazy("The page cursor is not valid: start again from the first page.")


# What Django raises when a body or form is over DATA_UPLOAD_MAX_MEMORY_SIZE / _NUMBER_FIELDS.
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)

ERROR_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


# Our own wording for the framework's stock errors, so every one reads well in id and en.
STOCK_MESSAGES = {
    exceptions.ParseError: gettext_lazy(
        "The request body could not be read: it is not valid JSON."
    ),
    exceptions.NotAuthenticated: gettext_lazy("Sign in first: this needs a valid access token."),
    exceptions.PermissionDenied: gettext_lazy("You do not have permission to do this."),
    exceptions.NotFound: gettext_lazy("Not found."),
}


# DRF's stock field messages that its own Indonesian catalogue leaves in English: listed here so
# that `make messages` puts them in ours, which Django reads before DRF's (LOCALE_PATHS first).
DRF_UNTRANSLATED = (
    gettext_noop("A valid number is required."),
    gettext_noop("A valid integer is required."),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop("Invalid input."),
    gettext_noop("Invalid value."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("String value too large."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("This list may not be empty."),
    gettext_noop("This value does not match the required pattern."),
    gettext_noop("This field must be unique."),
    gettext_noop("Malformed request."),
)

# DRF messages replaced by their code: "No data provided" is never translated, and an invalid
# choice echoes the whole input (which may be a megabyte) back.
MESSAGES_BY_CODE = {
    "null": gettext_lazy("Send the fields as a JSON object."),
    "invalid_choice": gettext_lazy("This is not one of the allowed values."),
}


def request_language() -> str:
    """`id` or `en`: the language LocaleMiddleware picked from Accept-Language (default id)."""
    return "en" if (get_language() or "id").startswith("en") else "id"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    replacement = MESSAGES_BY_CODE.get(getattr(detail, "code", None))
    if replacement is not None and (detail.code != "null" or str(detail) == "No data provided"):
        return [str(replacement)]
    return [force_str(detail)]


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            key: (_field_errors(value) if isinstance(value, dict) else _flatten(value))
            for key, value in detail.items()
        }
    return {"non_field_errors": _flatten(detail)}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error leaves in the one shape."""
    dependency = faults.dependency_of(exc)
    if dependency is not None:
        faults.log_fault(dependency, exc, context.get("request"))
        return Response(
            faults.error_payload(), status=503, headers={"Retry-After": faults.retry_after()}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TOO_LARGE):
        exc = PayloadTooLarge()

    # Imported here: rest_framework.views resolves DEFAULT_AUTHENTICATION_CLASSES on import, and
    # the authentication chain (accounts -> regions) imports this module's DomainError.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # let Django show its debug page to the developer
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body("server_error", _("Something went wrong on our side. Please try again.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        non_field = fields.pop("non_field_errors", None)
        message = non_field[0] if non_field else _("Some fields are not valid.")
        response.data = error_body("validation_error", message, fields)
        return response

    response.data = error_body(_error_code(exc), _error_message(exc, context))
    return response


def _error_code(exc: exceptions.APIException) -> str:
    code = ERROR_CODES.get(type(exc))
    if code is None:
        codes = exc.get_codes()
        if isinstance(codes, dict):  # simplejwt: {"detail": …, "code": "token_not_valid"}
            codes = codes.get("code", exc.default_code)
        code = codes if isinstance(codes, str) else exc.default_code
    return code


def _error_message(exc: exceptions.APIException, context: dict) -> str:
    if isinstance(exc, exceptions.Throttled):
        if exc.wait is None:
            return _("Too many requests. Try again later.")
        return _("Too many requests. Try again in %(seconds)d seconds.") % {
            "seconds": int(exc.wait)
        }
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This address does not accept %(method)s.") % {"method": context["request"].method}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _(
            "This address does not accept that content type: send JSON, "
            "or multipart where a photo is uploaded."
        )
    if isinstance(exc, exceptions.AuthenticationFailed) and isinstance(exc.detail, dict):
        # simplejwt's bad or expired token; its own text lists token classes. Its token views
        # (refresh) take no access token: what they refuse is the refresh token in the body.
        from rest_framework_simplejwt.views import TokenViewBase  # imports DRF's generics

        if isinstance(context.get("view"), TokenViewBase):
            return _("The refresh token is not valid or has expired. Sign in again.")
        return _("The access token is not valid or has expired. Sign in again.")
    stock = STOCK_MESSAGES.get(type(exc))
    if stock is not None and (
        isinstance(exc, exceptions.ParseError) or str(exc.detail) == str(exc.default_detail)
    ):
        return str(stock)
    return " ".join(_flatten(exc.detail))


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer in JSON, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def bad_request(request: HttpRequest, exception: Exception, *args: Any) -> HttpResponse:
    """Django's handler400, for what it refuses before any view runs (e.g. a form with too many
    fields read by a middleware): 413 for an oversized request, JSON under /api/."""
    if isinstance(exception, TOO_LARGE):
        body = error_body("payload_too_large", str(PayloadTooLarge.default_detail))
        if request.path.startswith("/api/"):
            return JsonResponse(body, status=413)
        return HttpResponse(body["error"]["message"], status=413, content_type="text/plain")
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    return JsonResponse(error_body("bad_request", _("The request is not valid.")), status=400)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Django's handler500 (production only): JSON under /api/, Django's page elsewhere; a
    dependency's fault (the database down under the admin or a middleware) is a 503."""
    exc = sys.exc_info()[1]
    dependency = faults.dependency_of(exc)
    if dependency is not None:
        return faults.unavailable_response(request, exc, dependency)
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    return JsonResponse(
        error_body("server_error", _("Something went wrong on our side. Please try again.")),
        status=500,
    )


# --- Schema helpers ------------------------------------------------------------------------


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
            },
        )
    },
)


def error_responses(*statuses: int) -> dict[int, Any]:
    """`responses=` entries for extend_schema, all in the one error shape."""
    return {code: ErrorSerializer for code in statuses}


# 1 to 255 visible ASCII characters, spaces only inside: the schema states the same rule.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": IDEMPOTENCY_KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retry-safe key of 1 to 255 visible ASCII characters: the same key from the same user "
        "returns the first result."
    ),
)


# --- Query parameters ----------------------------------------------------------------------


class QueryInput(serializers.Serializer):
    """Base of a view's query-parameter serializer.

    DRF reads `?parent=` as if the optional parameter were absent; the schema says a given value
    may not be empty (minLength 1), so refuse it as DRF refuses an empty body field."""

    def to_internal_value(self, data):
        blank = {
            name: [_("This field may not be blank.")]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if blank:
            raise exceptions.ValidationError(blank)
        return super().to_internal_value(data)


# --- Pagination ----------------------------------------------------------------------------


class Pagination(CursorPagination):
    """`{next, previous, results}` with opaque cursors: stable under inserts, no COUNT(*).

    A view picks its order with `cursor_ordering` (unique or nearly so, e.g. `-created_at`).
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"

    page_size_query_description = gettext_lazy("Results per page, from 1; more than 100 gives 100.")
    invalid_cursor_message = InvalidCursor.default_detail

    def get_ordering(self, request, queryset, view):  # type: ignore[override]
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        """DRF ignores a page_size it cannot read; we refuse it, as the schema says."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Send a whole number from 1.")]}
            )
        return min(int(raw), self.max_page_size)

    def decode_cursor(self, request):
        """DRF checks a cursor's offset but not its position, which it hands to the database:
        a position that is no value of the ordering field is refused here, not a 500 there."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not _cursor_tokens_known(encoded):
            raise InvalidCursor()  # DRF would read it as the first page
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        if "\x00" in cursor.position:
            raise InvalidCursor()
        try:
            field.to_python(cursor.position)
        except DjangoValidationError:
            raise InvalidCursor() from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"]["minLength"] = 1
        return parameters


def _cursor_tokens_known(encoded: str) -> bool:
    """Whether a cursor is one DRF could have written: base64 of o=, r= and p= tokens only."""
    try:
        querystring = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
    except (ValueError, UnicodeError):
        return False
    tokens = parse_qs(querystring, keep_blank_values=True)
    return bool(tokens) and set(tokens) <= {"o", "r", "p"}


# --- Throttles -----------------------------------------------------------------------------


def client_address(request: HttpRequest | Request) -> str:
    """The client's address as every limit and record sees it (throttles, OTP counts, admin
    lockout, audit log): X-Forwarded-For only as far as NUM_PROXIES trusts it, else the peer
    of the connection."""
    return BaseThrottle().get_ident(request)


class IPRateThrottle(SimpleRateThrottle):
    """Limits by client address even for signed-in users (login endpoints are anonymous)."""

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class OTPRequestThrottle(IPRateThrottle):
    scope = "otp_ip"


class TokenRequestThrottle(IPRateThrottle):
    scope = "token_ip"


# --- Idempotency ---------------------------------------------------------------------------


class IdempotencyKeyReused(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyInFlight(Conflict):
    default_code = "idempotency_key_in_flight"
    default_detail = gettext_lazy("A request with this Idempotency-Key is still being processed.")


class IdempotencyKeyInvalid(DomainError):
    default_code = "invalid_idempotency_key"
    default_detail = gettext_lazy("The Idempotency-Key header must be 1 to 255 visible characters.")


class _LeaseLost(Exception):
    """The request outlived its pending lease and a retry took the key over."""


def idempotent(handler: Callable) -> Callable:
    """Decorate a POST handler of an APIView so a retried request replays the first result.

    Keys are scoped to the caller (the signed-in user, or the API key of a machine: any
    `request.auth` with an `idempotency_client` name) and the view. The record lives in the database
    (jaki.idempotency), so every process sees it: pending for at most IDEMPOTENCY_PENDING_SECONDS
    while the request runs, then the first non-5xx response, kept IDEMPOTENCY_TTL_SECONDS.
    Reusing a key with another body is refused with 422; a retry that arrives while the first is
    still running gets 409. The handler runs in one transaction with the keeping of its response,
    so a request killed mid-way leaves no half-done work behind its expired lease.
    """

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        user_id = getattr(request.user, "pk", None)
        # A machine (an API key) is no user: its records are its own, named by the credential.
        client = "" if user_id is not None else getattr(request.auth, "idempotency_client", "")
        if key is None or (user_id is None and not client):
            return handler(view, request, *args, **kwargs)
        if len(key) > 255 or not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
            raise IdempotencyKeyInvalid()

        fingerprint = hashlib.sha256(
            json.dumps(
                [request.path, _body_fingerprint(request)], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        try:
            outcome = idempotency.idempotency_claim(
                user_id=user_id,
                client=client,
                scope=view.__class__.__qualname__,
                key=key,
                fingerprint=fingerprint,
            )
        except idempotency.KeyReused:
            raise IdempotencyKeyReused() from None
        except idempotency.KeyInFlight:
            raise IdempotencyKeyInFlight() from None
        if isinstance(outcome, idempotency.Replay):
            replay = Response(outcome.data, status=outcome.status)
            replay["Idempotent-Replayed"] = "true"
            return replay

        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if response.status_code < 500 and not idempotency.idempotency_complete(
                    claim=outcome, status=response.status_code, data=response.data
                ):
                    raise _LeaseLost()  # undo this run: the retry that took over answers
        except _LeaseLost:
            raise IdempotencyKeyInFlight() from None
        except Exception:
            idempotency.idempotency_release(claim=outcome)  # nothing kept: a retry may run
            raise
        if response.status_code >= 500:
            idempotency.idempotency_release(claim=outcome)
        return response

    return wrapper


def _body_fingerprint(request: Request) -> Any:
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form or multipart): files by name and size
        files = {name: [(f.name, f.size) for f in fs] for name, fs in request.FILES.lists()}
        return {"data": sorted(data.lists()), "files": files}
    return data
