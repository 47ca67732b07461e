"""The two GeoReport v2 formats. Views hand over plain data (lists and dicts of strings,
numbers, booleans and None); the XML renderer names the root and the repeated elements as the
specification does (`<services><service>…`, `<service_requests><request>…`,
`<errors><error>…`), the JSON renderer writes the same data as it is. Errors of every kind
leave through `exception_handler` as GeoReport error lists."""

from __future__ import annotations

import logging
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from jaki import faults
from jaki.api import TOO_LARGE, PayloadTooLarge

logger = logging.getLogger(__name__)

# A list held by a key becomes repeated elements with the singular name.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


# Characters XML 1.0 cannot hold at all (control characters a description may carry): left
# out, or a client's parser would refuse the whole document.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def xml_document(data: Any, *, root: str, item: str | None = None) -> bytes:
    """`data` as a UTF-8 XML document under `root`; a list becomes repeated `item` elements."""
    element = ET.Element(root)
    if isinstance(data, list):
        for child in data:
            _fill(ET.SubElement(element, item or "item"), child)
    else:
        _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class Open311XMLRenderer(BaseRenderer):
    """`.xml`: the view names its root and item elements (`xml_root`, `xml_item`); an error
    response is always `<errors><error><code/><description/></error></errors>`."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code >= 400:
            return xml_document(data, root="errors", item="error")
        return xml_document(
            data, root=getattr(view, "xml_root", "response"), item=getattr(view, "xml_item", None)
        )


class Open311JSONRenderer(JSONRenderer):
    """`.json`: the data as it is, UTF-8 (not \\u escapes)."""

    format = "json"
    ensure_ascii = False


# --- errors ------------------------------------------------------------------------------
# `[{"code": 400, "description": "…"}]` or `<errors><error><code/><description/></error>…`;
# the code is the HTTP status, one entry per problem.


def _messages(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            if key == "answers" and isinstance(value, dict):
                for code, inner in value.items():
                    found += _messages(inner, f"attribute[{code}]")
            elif key in ("non_field_errors", "detail"):
                found += _messages(value, prefix)
            else:
                found += _messages(value, f"{prefix}.{key}" if prefix else key)
        return found
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value, prefix)]
    message = force_str(detail)
    return [f"{prefix}: {message}" if prefix else message]


def open311_errors(status_code: int, messages: list[str]) -> list[dict]:
    return [{"code": status_code, "description": message} for message in messages]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error of these views as a GeoReport error list, with its HTTP status."""
    dependency = faults.dependency_of(exc)
    if dependency is not None:
        faults.log_fault(dependency, exc, context.get("request"))
        return Response(
            open311_errors(503, [str(faults.MESSAGE)]),
            status=503,
            headers={"Retry-After": faults.retry_after()},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TOO_LARGE):
        exc = PayloadTooLarge()
    headers = {}
    if not isinstance(exc, exceptions.APIException):
        if settings.DEBUG:
            return None
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
        return Response(
            open311_errors(code, [_("Something went wrong on our side. Please try again.")]),
            status=code,
        )
    code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = status.HTTP_403_FORBIDDEN  # GeoReport v2's answer to a missing or bad api_key
    if isinstance(exc, exceptions.Throttled):
        messages = [_("Too many requests. Try again later.")]
        if exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait))
    elif isinstance(exc, exceptions.MethodNotAllowed):
        messages = [
            _("This address does not accept %(method)s.") % {"method": context["request"].method}
        ]
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        messages = [_("Send the request as a form (application/x-www-form-urlencoded).")]
    else:
        messages = _messages(exc.detail) or [force_str(exc.default_detail)]
    return Response(open311_errors(code, messages), status=code, headers=headers)


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other address under /open311/v2/: a GeoReport 404, in JSON for a `.json` path and
    in XML (the required format) otherwise."""
    errors = open311_errors(404, [_("There is no such Open311 resource.")])
    if path.endswith(".json"):
        return JsonResponse(
            errors, status=404, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    body = xml_document(errors, root="errors", item="error")
    return HttpResponse(body, status=404, content_type="text/xml; charset=utf-8")


# A raw schema: drf-spectacular writes `many=True` as an array for 2xx responses only.
ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status: 400, 403, 404, …"},
            "description": {"type": "string"},
        },
        "required": ["code", "description"],
    },
}


def error_responses(*codes: int) -> dict:
    """`responses=` entries for extend_schema: GeoReport error lists."""
    return {code: ERRORS_SCHEMA for code in codes}
