"""The websocket JWT middleware, driven through Channels' communicator."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken

from jaki.accounts.websocket import JWTAuthMiddleware
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


class WhoAmI(AsyncJsonWebsocketConsumer):
    """Accepts signed-in users and tells them who they are; refuses everyone else."""

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()
        await self.send_json({"id": str(user.public_id)})


application = JWTAuthMiddleware(URLRouter([path("ws/whoami/", WhoAmI.as_asgi())]))


def connect(query: str):
    async def run():
        communicator = WebsocketCommunicator(application, f"/ws/whoami/?{query}")
        connected, code = await communicator.connect()
        message = await communicator.receive_json_from() if connected else None
        await communicator.disconnect()
        return connected, code, message

    return async_to_sync(run)()


def test_a_valid_access_token_identifies_the_user():
    user = UserFactory()

    connected, _, message = connect(f"token={AccessToken.for_user(user)}")

    assert connected
    assert message == {"id": str(user.public_id)}


@pytest.mark.parametrize("query", ["", "token=", "token=garbage", "token=a.b.c"])
def test_a_missing_or_bad_token_is_refused(query):
    connected, code, _ = connect(query)

    assert not connected
    assert code == 4401


def test_an_expired_token_is_refused():
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))

    connected, code, _ = connect(f"token={token}")

    assert not connected
    assert code == 4401


def test_a_deactivated_user_is_refused():
    user = UserFactory(is_active=False)

    connected, code, _ = connect(f"token={AccessToken.for_user(user)}")

    assert not connected
    assert code == 4401
