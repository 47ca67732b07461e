"""The live feed as phones and browsers reach it: a real websocket client against the running
ASGI server (tests/servers.py)."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.postgres

PHONE = "081234567890"
REFUSED = 4401


def pings_back(ws) -> bool:
    ws.send('{"type": "ping"}')
    return ws.recv(timeout=5) == '{"type": "pong"}'


def close_code(ws) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_native_apps_without_origin_and_allowed_pages_open_the_feed_foreign_pages_do_not(
    asgi_server,
):
    feed = f"/ws/feed/?token={asgi_server.login(PHONE)['access']}"

    with asgi_server.websocket(feed) as native:
        assert pings_back(native)
    with asgi_server.websocket(feed, origin="http://localhost:8000") as admin_page:
        assert pings_back(admin_page)
    with pytest.raises(InvalidStatus) as refused:
        asgi_server.websocket(feed, origin="https://evil.example")

    assert refused.value.response.status_code == 403


def test_the_feed_closes_when_its_access_token_expires(asgi_server):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=timedelta(seconds=2))

    with asgi_server.websocket(f"/ws/feed/?token={token}") as ws:
        assert pings_back(ws)
        assert close_code(ws) == REFUSED
    with asgi_server.websocket("/ws/feed/") as without_token:
        assert close_code(without_token) == REFUSED


def test_a_logged_out_sessions_access_token_is_refused(asgi_server):
    tokens = asgi_server.login(PHONE)
    with asgi_server.websocket(f"/ws/feed/?token={tokens['access']}") as ws:
        logout = asgi_server.post(
            "/api/v1/auth/logout/",
            {"refresh": tokens["refresh"]},
            headers={"Authorization": f"Bearer {tokens['access']}"},
        )
        assert logout.status == 204
        assert close_code(ws) == REFUSED

    with asgi_server.websocket(f"/ws/feed/?token={tokens['access']}") as again:
        assert close_code(again) == REFUSED
