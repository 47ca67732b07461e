"""The live feed, `WS /ws/feed/?token=<access JWT>`: a resident's own events and public ones.

Services publish with `services.feed_send_to_users` (one user's open sockets) and to
`services.PUBLIC_FEED_GROUP` (everyone's); both arrive here as `{"type": "feed.event",
"event": {...}}` group messages and leave as the bare `event` JSON.
"""

import asyncio
import json
import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from jaki import faults
from jaki.notifications import services

# 4401 mirrors HTTP 401 in the application range. The handshake is accepted first and then
# closed with it: a close before accept reaches a real client as a bare HTTP 403, and the app
# must be able to tell "sign in again" from any other failure.
UNAUTHORISED = 4401


class FeedConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.accept()
            await self.close(code=UNAUTHORISED)
            return
        self.feed_groups = [services.user_feed_group(user.public_id)]
        if self.scope.get("session"):
            self.feed_groups.append(services.session_feed_group(self.scope["session"]))
        for group in self.feed_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        # Public events come through the process's relay (services.PublicFeedRelay), in it
        # before the handshake is accepted so that an open feed never misses one.
        await services.public_feed_join(self, self.send_public)
        self.accepted = True  # with no await between: the accept goes out first
        await self.accept()
        # The socket is worth no more than the token that opened it: when the token expires the
        # app reconnects with a fresh one (4401 says so).
        if self.scope.get("token_exp") is not None:
            self.expiry = asyncio.create_task(self._close_at(self.scope["token_exp"]))

    async def _close_at(self, exp: float) -> None:
        await asyncio.sleep(max(0.0, exp - time.time()))
        await self.close(code=UNAUTHORISED)

    async def send_public(self, text: str) -> None:
        if getattr(self, "accepted", False):
            await self.send(text_data=text)

    async def disconnect(self, code: int) -> None:
        services.public_feed_leave(self)
        if getattr(self, "expiry", None) is not None:
            self.expiry.cancel()
        for group in getattr(self, "feed_groups", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # Redis went away: the socket is gone all the same
                if faults.dependency_of(exc) is None:
                    raise

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kw):
        # The feed only talks one way; a client's keep-alive ping gets a pong, and anything
        # else (binary, broken JSON, unknown types) is ignored rather than closing the socket.
        if text_data is None:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def feed_event(self, message: dict) -> None:
        await self.send_json(message["event"])

    async def feed_revoke(self, message: dict) -> None:
        """This socket's session ended (logout, a reused refresh token) or the user logged out
        everywhere or erased their account: its token no longer counts."""
        await self.close(code=UNAUTHORISED)
