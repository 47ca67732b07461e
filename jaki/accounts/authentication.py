"""JWT authentication that also refuses the tokens of an ended session (logout, reuse, erasure).

simplejwt alone only refuses a blacklisted *refresh* token; an access token would keep working
until it expires. Both the REST API (REST_FRAMEWORK) and the websocket middleware use this.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from jaki.accounts.selectors import SESSION_CLAIM, session_is_revoked


class SessionJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes):
        token = super().get_validated_token(raw_token)
        sid = token.get(SESSION_CLAIM)
        # Tokens minted before sessions existed carry no sid; they expire within minutes.
        if sid is not None and session_is_revoked(str(sid)):
            raise InvalidToken(_("This session has ended. Sign in again."))
        return token


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema documents it as the JWT bearer scheme it is (`jwtAuth`)."""

    target_class = SessionJWTAuthentication
