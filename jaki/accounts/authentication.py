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

SESSION_ENDED = _("This session has ended. Sign in again.")


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        """One query for the user, whether the token's session is still open, and what /me shows
        of them (selectors.user_signed_in): no cache round trip on every request, and nothing to
        go stale. Any token simplejwt would refuse goes back to simplejwt, for its own checks
        and errors (the session is still checked there)."""
        sid = validated_token.get(SESSION_CLAIM)
        sid = str(sid) if sid is not None else None
        try:
            user = user_signed_in(
                public_id=validated_token[api_settings.USER_ID_CLAIM], session=sid
            )
        except (KeyError, User.DoesNotExist, ValidationError):
            user = None
        if user is None or not user.is_active or api_settings.CHECK_REVOKE_TOKEN:
            # Tokens minted before sessions existed carry no sid; they expire within minutes.
            if sid is not None and session_is_revoked(sid):
                raise InvalidToken(SESSION_ENDED)
            return super().get_user(validated_token)
        if sid is not None and not user.session_open:
            raise InvalidToken(SESSION_ENDED)
        return user


class SessionJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema documents it as the JWT bearer scheme it is (`jwtAuth`)."""

    target_class = SessionJWTAuthentication
