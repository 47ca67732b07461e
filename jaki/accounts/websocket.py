"""Websocket authentication: `?token=<access JWT>` on the connection URL, and the Origin rule.

Browsers and mobile websocket clients cannot always set headers, so the access token travels in
the query string (over TLS); a missing, bad, expired or logged-out token leaves the user
anonymous and the consumer refuses the connection with 4401.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

from jaki.accounts.authentication import SessionJWTAuthentication
from jaki.accounts.selectors import SESSION_CLAIM


@database_sync_to_async
def user_from_access_token(raw_token: str) -> tuple:
    """(user, sid, exp) of a valid token of an open session; (AnonymousUser, None, None) else."""
    auth = SessionJWTAuthentication()
    try:
        token = auth.get_validated_token(raw_token.encode())
        return auth.get_user(token), token.get(SESSION_CLAIM), token.get("exp")
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser(), None, None


class JWTAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]`, and for the consumer the token's session (`scope["session"]`, to
    close on logout) and expiry (`scope["token_exp"]`, a Unix time, to close when it passes)."""

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        tokens = query.get("token")
        scope = dict(scope)
        user, sid, exp = (
            await user_from_access_token(tokens[0]) if tokens else (AnonymousUser(), None, None)
        )
        scope.update(user=user, session=sid, token_exp=exp)
        return await super().__call__(scope, receive, send)


class NativeOrAllowedOriginValidator(OriginValidator):
    """Refuse a browser page of a foreign origin; let a handshake without Origin through.

    Only browsers send Origin, and they always do: its job is to stop another site's page from
    riding a visitor's credentials. Native apps (OkHttp, URLSession, Flutter) send none, and the
    token in the URL is what guards the feed. Channels' own validator refuses a missing Origin.
    """

    def __init__(self, application, allowed_origins=None):
        super().__init__(
            application,
            settings.WEBSOCKET_ALLOWED_ORIGINS if allowed_origins is None else allowed_origins,
        )

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)
