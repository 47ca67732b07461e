"""Who may do what through Open311: anyone reads; a POST needs a client's api_key with the
`open311:submit` scope, sent as the GeoReport v2 `api_key` form field."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from jaki.apikeys.authentication import ApiKeyAuthentication
from jaki.apikeys.models import ApiKey

SCOPE = "open311:submit"


class Open311KeyAuthentication(ApiKeyAuthentication):
    """The GeoReport v2 `api_key` of a POST, a form field; GETs are anonymous and carry none.
    Not the query string: a key there would be written to every access log on its way. An
    unknown, revoked or expired key is refused (403: no WWW-Authenticate scheme to name)."""

    invalid_message = gettext_lazy("The api_key is not valid, has expired or was revoked.")

    def raw_key(self, request) -> str | None:
        if request.method != "POST":
            return None
        return request.POST.get("api_key") or None

    def authenticate_header(self, request) -> None:
        return None


class MaySubmit(BasePermission):
    """Reads are open to anyone; a POST needs a key with the `open311:submit` scope."""

    message = gettext_lazy("This api_key may not submit service requests.")

    def has_permission(self, request, view) -> bool:
        if request.method != "POST":
            return True
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated(_("Send an api_key to submit a service request."))
        return api_key.has_scope(SCOPE)
