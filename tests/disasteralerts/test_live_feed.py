"""A broadcast reaches the live websocket feed at once; a test warning only test devices' owners."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from jaki.notifications.services import PUBLIC_FEED_GROUP, user_feed_group
from tests.disasteralerts.conftest import MONAS

pytestmark = pytest.mark.django_db


async def next_alert(layer, channel: str, timeout: float = 2.0):
    """The next `alert` event on `channel` (the inbox's `notification` events are skipped)."""
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout)
        except TimeoutError:
            return None
        if message["event"]["type"] == "alert":
            return message["event"]


def while_listening(groups: list[str], act):
    """Join a channel to each group, run `act()` (sync, in the test's thread and transaction),
    then read what each channel heard. All on one event loop: the pub/sub layer's channels
    belong to the loop that made them."""

    async def run():
        layer = get_channel_layer()
        channels = []
        for group in groups:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            channels.append(channel)
        result = await sync_to_async(act)()
        heard = [await next_alert(layer, channel, timeout=2.0) for channel in channels]
        for group, channel in zip(groups, channels, strict=True):
            await layer.group_discard(group, channel)
        return result, heard

    return async_to_sync(run)()


def test_an_approved_warning_goes_to_every_open_feed(broadcast):
    alert, (event,) = while_listening([PUBLIC_FEED_GROUP], broadcast)

    assert event["type"] == "alert"
    assert event["alert_id"] == str(alert.public_id)
    assert event["title"]["id"] == "Banjir di sekitar Monas"
    assert event["msg_type"] == "Alert"


def test_a_test_warning_reaches_only_the_feeds_of_test_device_owners(broadcast, device_at):
    tester = device_at(MONAS, test=True)

    alert, (to_tester, to_public) = while_listening(
        [user_feed_group(tester.user.public_id), PUBLIC_FEED_GROUP],
        lambda: broadcast(status="Test"),
    )

    assert to_tester["alert_id"] == str(alert.public_id)
    assert to_tester["title"]["id"].startswith("[UJI] ")
    assert to_public is None
