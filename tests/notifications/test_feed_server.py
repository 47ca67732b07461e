"""The live feed as phones and browsers reach it: a real websocket client against the running
ASGI server (tests/servers.py)."""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken
from websockets.exceptions import ConnectionClosed, InvalidStatus

from jaki.accounts.models import Session
from jaki.accounts.selectors import SESSION_CLAIM
from jaki.notifications import services
from tests.accounts.factories import UserFactory
from tests.servers import run_procfile_process

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


def signed_in_phones(residents: int, phones_each: int = 2) -> list[tuple[str, str]]:
    """(access token, resident's public id hex) for each phone: a session per phone."""
    phones = []
    for _ in range(residents):
        user = UserFactory()
        for session in Session.objects.bulk_create(
            [Session(user=user, refresh_jti=uuid.uuid4().hex) for _ in range(phones_each)]
        ):
            token = AccessToken.for_user(user)
            token[SESSION_CLAIM] = str(session.public_id)
            phones.append((str(token), user.public_id.hex))
    return phones


async def open_all_at_once(url: str, phones: list[tuple[str, str]]) -> list:
    """Every handshake started together, as phones do when a warning goes out; failures kept."""
    from websockets.asyncio.client import connect

    return await asyncio.gather(
        *(
            connect(f"{url}/ws/feed/?token={token}", proxy=None, open_timeout=30)
            for token, _ in phones
        ),
        return_exceptions=True,
    )


async def next_event(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


@pytest.mark.redis
def test_a_burst_of_connects_to_the_ws_processes_all_open_and_a_broadcast_reaches_every_one(
    transactional_db, tmp_path
):
    phones = signed_in_phones(100)  # 200 sockets over deploy's two ws processes
    warning = {"type": "alert", "id": "burst-1", "headline": "Banjir di Gambir"}

    async def run():
        with run_procfile_process("ws", tmp_path / "ws.log") as ws_server:
            sockets = await open_all_at_once(ws_server.ws_url, phones)
            failed = [s for s in sockets if isinstance(s, BaseException)]
            opened = [s for s in sockets if not isinstance(s, BaseException)]
            await asyncio.to_thread(services.feed_broadcast_public, event=warning)
            received = await asyncio.gather(*(next_event(ws) for ws in opened))
            for ws in opened:
                await ws.close()
            return failed, received

    failed, received = asyncio.run(run())

    assert failed == []
    assert received == [warning] * len(phones)


@pytest.mark.redis
def test_a_residents_events_reach_each_of_their_phones_on_any_ws_process_and_nobody_else(
    transactional_db, tmp_path
):
    phones = signed_in_phones(10, phones_each=3)

    async def run():
        with run_procfile_process("ws", tmp_path / "ws.log") as ws_server:
            sockets = await open_all_at_once(ws_server.ws_url, phones)
            await asyncio.to_thread(
                services.feed_send_to_users,
                [
                    (uuid.UUID(hex=user), {"type": "notification", "id": user})
                    for user in {user for _, user in phones}
                ],
            )
            received = await asyncio.gather(*(next_event(ws) for ws in sockets))
            idle = await asyncio.gather(
                *(asyncio.wait_for(ws.recv(), timeout=0.3) for ws in sockets),
                return_exceptions=True,
            )
            for ws in sockets:
                await ws.close()
            return received, idle

    received, idle = asyncio.run(run())

    assert [event["id"] for event in received] == [user for _, user in phones]
    assert all(isinstance(nothing, TimeoutError) for nothing in idle)
