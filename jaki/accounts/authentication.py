"""JWT authentication that also refuses the tokens of an ended session (logout, reuse, erasure).

simplejwt alone only refuses a blacklisted *refresh* token; an access token would keep working
until it expires. Both the REST API (REST_FRAMEWORK) and the websocket middleware use this.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from jaki.accounts.models import User
from jaki.accounts.selectors import SESSION_CLAIM, session_is_revoked, user_signed_in


class SessionJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes):
        token = super().get_validated_token(raw_token)
        sid = token.get(SESSION_CLAIM)
        # Tokens minted before sessions existed carry no sid; they expire within minutes.
        if sid is not None and session_is_revoked(str(sid)):
            raise InvalidToken(_("This session has ended. Sign in again."))
        return token

    def get_user(self, validated_token):
        """One query for the user and what /me shows of them (selectors.user_signed_in); any
        token simplejwt would refuse goes back to simplejwt, for its own checks and errors."""
        try:
            user = user_signed_in(public_id=validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, User.DoesNotExist, ValidationError):
            return super().get_user(validated_token)
        if not user.is_active or api_settings.CHECK_REVOKE_TOKEN:
            return super().get_user(validated_token)
        return user


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema documents it as the JWT bearer scheme it is (`jwtAuth`)."""

    target_class = SessionJWTAuthentication
