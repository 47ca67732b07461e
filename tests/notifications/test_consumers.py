"""The live feed `WS /ws/feed/?token=…`, driven through the real ASGI application.

The same tests run over the in-memory channel layer and, with REDIS_URL set, over Redis.
"""

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from jaki.notifications import services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ORIGIN = [(b"origin", b"http://testserver")]
REFUSED = 4401
FLOOD = {"type": "alert", "id": "a-1", "headline": "Banjir di Gambir"}


@pytest.fixture
def resident():
    return UserFactory(phone="+6281234567890", name="Siti")


@pytest.fixture
def other_resident():
    return UserFactory(phone="+6281298765432", name="Budi")


def feed(query: str) -> WebsocketCommunicator:
    from jaki.asgi import application

    return WebsocketCommunicator(application, f"/ws/feed/?{query}", headers=ORIGIN)


def token_of(user) -> str:
    return f"token={AccessToken.for_user(user)}"


def connect_once(query: str) -> tuple[bool, int | None]:
    async def run():
        communicator = feed(query)
        connected, code = await communicator.connect()
        if connected:  # refusals accept, then close with their code
            message = await communicator.receive_output()
            if message["type"] == "websocket.close":
                return False, message["code"]
        await communicator.disconnect()
        return connected, code

    return async_to_sync(run)()


@pytest.mark.parametrize("query", ["", "token=", "token=garbage", "token=a.b.c", "tok=x"])
def test_a_missing_or_bad_token_is_refused(query):
    assert connect_once(query) == (False, REFUSED)


def test_an_expired_token_is_refused(resident):
    token = AccessToken.for_user(resident)
    token.set_exp(lifetime=-timedelta(seconds=1))

    assert connect_once(f"token={token}") == (False, REFUSED)


def test_a_deactivated_resident_is_refused(resident):
    token = token_of(resident)
    resident.is_active = False
    resident.save()

    assert connect_once(token) == (False, REFUSED)


def test_a_connection_from_a_foreign_origin_is_refused(resident):
    async def run():
        from jaki.asgi import application

        communicator = WebsocketCommunicator(
            application,
            f"/ws/feed/?{token_of(resident)}",
            headers=[(b"origin", b"https://evil.example")],
        )
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(run)() is False


def test_a_resident_receives_their_own_events(resident):
    event = {"type": "complaint.updated", "id": "c-1", "status": "verified"}

    async def run():
        communicator = feed(token_of(resident))
        connected, _ = await communicator.connect()
        assert connected
        await sync_to_async(services.feed_send_to_users)([(resident.public_id, event)])
        received = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return received

    assert async_to_sync(run)() == event


def test_every_open_feed_receives_public_events(resident, other_resident):
    async def run():
        feeds = [feed(token_of(resident)), feed(token_of(other_resident))]
        for communicator in feeds:
            assert (await communicator.connect())[0]
        await get_channel_layer().group_send(
            services.PUBLIC_FEED_GROUP, {"type": "feed.event", "event": FLOOD}
        )
        received = [await c.receive_json_from(timeout=5) for c in feeds]
        for communicator in feeds:
            await communicator.disconnect()
        return received

    assert async_to_sync(run)() == [FLOOD, FLOOD]


def test_nobody_receives_another_residents_events(resident, other_resident):
    for_budi = {"type": "notification", "id": "n-budi"}
    for_siti = {"type": "notification", "id": "n-siti"}

    async def run():
        siti, budi = feed(token_of(resident)), feed(token_of(other_resident))
        assert (await siti.connect())[0] and (await budi.connect())[0]
        await sync_to_async(services.feed_send_to_users)(
            [(other_resident.public_id, for_budi), (resident.public_id, for_siti)]
        )
        siti_got = await siti.receive_json_from(timeout=5)
        budi_got = await budi.receive_json_from(timeout=5)
        siti_idle = await siti.receive_nothing(timeout=0.2)
        await siti.disconnect()
        await budi.disconnect()
        return siti_got, budi_got, siti_idle

    siti_got, budi_got, siti_idle = async_to_sync(run)()

    assert siti_got == for_siti
    assert budi_got == for_budi
    assert siti_idle


def test_a_resident_with_two_phones_gets_the_event_on_both(resident):
    event = {"type": "notification", "id": "n-1"}

    async def run():
        phone, tablet = feed(token_of(resident)), feed(token_of(resident))
        assert (await phone.connect())[0] and (await tablet.connect())[0]
        await sync_to_async(services.feed_send_to_users)([(resident.public_id, event)])
        received = [await phone.receive_json_from(timeout=5), await tablet.receive_json_from(5)]
        await phone.disconnect()
        await tablet.disconnect()
        return received

    assert async_to_sync(run)() == [event, event]


async def group_size(group: str) -> int:
    """How many channels a group holds, read from whichever layer is configured."""
    layer = get_channel_layer()
    if settings.CHANNEL_LAYER == "pubsub":  # groups live in the process, per event loop
        loop_layer = layer._get_layer()
        return len(loop_layer.groups.get(loop_layer._get_group_channel_name(group), ()))
    if settings.CHANNEL_LAYER == "memory":
        return len(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zcard(layer._group_key(group))


def test_a_closed_feed_leaves_its_groups(resident):
    own_group = services.user_feed_group(resident.public_id)

    async def run():
        public_before = services.public_feed_size()
        communicator = feed(token_of(resident))
        assert (await communicator.connect())[0]
        joined = (await group_size(own_group), services.public_feed_size())
        await communicator.disconnect()
        left = (await group_size(own_group), services.public_feed_size())
        return public_before, joined, left

    public_before, joined, left = async_to_sync(run)()

    assert joined == (1, public_before + 1)
    assert left == (0, public_before)


def test_a_ping_is_answered_and_anything_else_ignored(resident):
    async def run():
        communicator = feed(token_of(resident))
        assert (await communicator.connect())[0]
        await communicator.send_to(text_data="not json")
        await communicator.send_to(bytes_data=b"\x00\x01")
        await communicator.send_json_to({"type": "subscribe", "to": "everything"})
        await communicator.send_json_to(["ping"])
        await communicator.send_json_to({"type": "ping"})
        answer = await communicator.receive_json_from(timeout=5)
        idle = await communicator.receive_nothing(timeout=0.1)
        await communicator.disconnect()
        return answer, idle

    assert async_to_sync(run)() == ({"type": "pong"}, True)


@pytest.mark.django_db(transaction=True)
def test_a_notification_to_a_resident_reaches_their_open_feed_after_commit(resident):
    resident.language = "en"
    resident.save()

    def notify():
        return services.notify(
            kind="complaint.updated",
            title={"id": "Laporan diverifikasi", "en": "Report verified"},
            body={"id": "Laporan JK-1 sedang ditangani.", "en": "Report JK-1 is being handled."},
            users=[resident],
            data={"complaint": "JK-1"},
        )

    async def run():
        communicator = feed(token_of(resident))
        assert (await communicator.connect())[0]
        notification = await database_sync_to_async(notify)()
        received = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return notification, received

    notification, received = async_to_sync(run)()

    item = notification.inbox_items.get()
    assert received == {
        "type": "notification",
        "id": str(item.public_id),
        "kind": "complaint.updated",
        "title": "Report verified",
        "body": "Report JK-1 is being handled.",
        "data": {"complaint": "JK-1"},
        "created_at": item.created_at.isoformat(),
        "read_at": None,
    }


@pytest.mark.redis
def test_the_feed_runs_over_the_redis_channel_layer(resident):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == (
        "channels_redis.pubsub.RedisPubSubChannelLayer"
    )
    event = {"type": "notification", "id": "over-redis"}

    async def run():
        communicator = feed(token_of(resident))
        assert (await communicator.connect())[0]
        await sync_to_async(services.feed_send_to_users)([(resident.public_id, event)])
        mine = await communicator.receive_json_from(timeout=5)
        await get_channel_layer().group_send(
            services.PUBLIC_FEED_GROUP, {"type": "feed.event", "event": FLOOD}
        )
        public = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return mine, public

    assert async_to_sync(run)() == (event, FLOOD)


def log_out(api_client, tokens: dict, **body) -> None:
    response = api_client.post(
        "/api/v1/auth/logout/",
        {"refresh": tokens["refresh"], **body},
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )
    assert response.status_code == 204


async def closed_with(communicator: WebsocketCommunicator) -> int | None:
    message = await communicator.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    await communicator.wait()
    return message["code"]


@pytest.mark.django_db(transaction=True)
def test_logging_out_closes_that_sessions_feed_only(api_client, login):
    phone, tablet = login("081234567890"), login("081234567890")

    async def run():
        on_phone, on_tablet = feed(f"token={phone['access']}"), feed(f"token={tablet['access']}")
        assert (await on_phone.connect())[0] and (await on_tablet.connect())[0]
        await sync_to_async(log_out)(api_client, phone)
        phone_code = await closed_with(on_phone)
        tablet_open = await on_tablet.receive_nothing(timeout=0.3)
        await on_tablet.disconnect()
        return phone_code, tablet_open

    assert async_to_sync(run)() == (REFUSED, True)


@pytest.mark.django_db(transaction=True)
def test_logging_out_everywhere_closes_every_feed_of_the_user(api_client, login):
    phone, tablet = login("081234567890"), login("081234567890")

    async def run():
        on_phone, on_tablet = feed(f"token={phone['access']}"), feed(f"token={tablet['access']}")
        assert (await on_phone.connect())[0] and (await on_tablet.connect())[0]
        await sync_to_async(log_out)(api_client, phone, everywhere=True)
        return await closed_with(on_phone), await closed_with(on_tablet)

    assert async_to_sync(run)() == (REFUSED, REFUSED)


def test_a_logged_out_sessions_access_token_cannot_open_a_feed(api_client, login):
    tokens = login("081234567890")
    log_out(api_client, tokens)

    assert connect_once(f"token={tokens['access']}") == (False, REFUSED)


def test_a_feed_closes_when_its_token_expires(resident):
    token = AccessToken.for_user(resident)
    token.set_exp(lifetime=timedelta(seconds=1))

    async def run():
        communicator = feed(f"token={token}")
        assert (await communicator.connect())[0]
        message = await communicator.receive_output(timeout=5)
        await communicator.wait()
        return message

    message = async_to_sync(run)()

    assert (message["type"], message["code"]) == ("websocket.close", REFUSED)


def test_an_open_feed_stays_in_its_groups_for_days(resident, time_machine):
    """channels-redis's core layer and the in-memory one drop a group member a day after it
    joined (group_expiry); a feed open that long must still hear public events."""
    time_machine.move_to("2026-12-01 10:00 +07:00", tick=False)
    token = AccessToken.for_user(resident)
    token.set_exp(lifetime=timedelta(days=3))

    async def run():
        communicator = feed(f"token={token}")
        assert (await communicator.connect())[0]
        time_machine.shift(timedelta(days=2))
        await get_channel_layer().group_send(
            services.PUBLIC_FEED_GROUP, {"type": "feed.event", "event": FLOOD}
        )
        received = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return received

    assert async_to_sync(run)() == FLOOD


@pytest.mark.redis
def test_a_push_chunks_worth_of_feed_events_goes_out_over_redis_without_exhausting_its_pool():
    # A chunk of 500 inbox items sent 500 group_sends at once; channels_redis's pool refused
    # with MaxConnectionsError and the whole chunk failed (bench/alert_broadcast.py found it).
    events = [(uuid.uuid4(), {"type": "notification", "id": str(i)}) for i in range(1200)]
    services.feed_send_to_users(events)
