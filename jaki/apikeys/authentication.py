"""`X-Api-Key` authentication for machine clients, and its OpenAPI description.

A machine is not a person: the request's user stays AnonymousUser and `request.auth` is the
ApiKey. Every check about people (IsAuthenticated, roles, "mine") therefore refuses a key by
construction, and only `HasScope` (jaki.apikeys.permissions) lets one in. A view for machines
declares all three:

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope("airquality:ingest")]
    throttle_classes = [ApiKeyRateThrottle]
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from jaki.apikeys.selectors import api_key_active
from jaki.apikeys.services import api_key_mark_used

HEADER = "X-Api-Key"


class ApiKeyAuthentication(BaseAuthentication):
    """No header: not this scheme (None). A header naming no active key: 401, whatever the
    reason (unknown, garbled, revoked, expired), so a caller learns nothing about other keys.

    A protocol that carries its key elsewhere (Open311's `api_key` form field) subclasses and
    overrides `raw_key` (and `invalid_message`)."""

    invalid_message = _("The API key is not valid, has expired or was revoked.")

    def raw_key(self, request) -> str | None:
        return request.headers.get(HEADER)

    def authenticate(self, request):
        raw = self.raw_key(request)
        if raw is None:
            return None
        api_key = api_key_active(raw=raw.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed(self.invalid_message)
        api_key_mark_used(api_key=api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return HEADER  # makes DRF answer 401 (not 403) when the key is missing


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The schema documents the scheme as what it is: an API key in a header (`apiKeyAuth`)."""

    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": HEADER,
            "description": "A machine client's key, `jaki_<prefix>_<secret>`, issued by staff.",
        }
