"""Websocket authentication: `?token=<access JWT>` on the connection URL.

Browsers and mobile websocket clients cannot always set headers, so the access token travels in
the query string (over TLS); a missing, bad or expired token leaves the user anonymous and the
consumer refuses the connection.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError


@database_sync_to_async
def user_from_access_token(raw_token: str):
    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw_token.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        tokens = query.get("token")
        scope = dict(scope)
        scope["user"] = await user_from_access_token(tokens[0]) if tokens else AnonymousUser()
        return await super().__call__(scope, receive, send)
