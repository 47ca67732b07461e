"""What an API key may do: its scopes, declared by the services (jaki.apikeys.scopes)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from jaki.apikeys.models import ApiKey


# Named like a class: it is used where DRF expects one, `permission_classes = [HasScope(...)]`.
def HasScope(scope: str) -> type[BasePermission]:
    """A DRF permission class admitting a request whose API key carries `scope`."""

    class _HasScope(BasePermission):
        message = _("This API key may not do this.")

        def has_permission(self, request, view) -> bool:
            api_key = request.auth
            if not isinstance(api_key, ApiKey):
                raise exceptions.NotAuthenticated(_("Send an API key in the X-Api-Key header."))
            return api_key.has_scope(scope)

    _HasScope.__name__ = _HasScope.__qualname__ = f"HasScope_{scope.replace(':', '_')}"
    return _HasScope
