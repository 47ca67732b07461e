"""A broadcast reaches the live websocket feed at once; a test warning only test devices' owners."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from jaki.notifications.services import PUBLIC_FEED_GROUP, user_feed_group
from tests.disasteralerts.conftest import MONAS

pytestmark = pytest.mark.django_db


def listen(group: str):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)

    def next_event(timeout: float = 2.0):
        """The next `alert` event (the inbox's `notification` events are skipped), or None."""

        async def receive():
            while True:
                try:
                    message = await asyncio.wait_for(layer.receive(channel), timeout)
                except TimeoutError:
                    return None
                if message["event"]["type"] == "alert":
                    return message["event"]

        return async_to_sync(receive)()

    return next_event


def test_an_approved_warning_goes_to_every_open_feed(broadcast):
    next_event = listen(PUBLIC_FEED_GROUP)

    alert = broadcast()

    event = next_event()
    assert event["type"] == "alert"
    assert event["alert_id"] == str(alert.public_id)
    assert event["title"]["id"] == "Banjir di sekitar Monas"
    assert event["msg_type"] == "Alert"


def test_a_test_warning_reaches_only_the_feeds_of_test_device_owners(broadcast, device_at):
    tester = device_at(MONAS, test=True)
    public_feed = listen(PUBLIC_FEED_GROUP)
    tester_feed = listen(user_feed_group(tester.user.public_id))

    alert = broadcast(status="Test")

    event = tester_feed()
    assert event["alert_id"] == str(alert.public_id)
    assert event["title"]["id"].startswith("[UJI] ")
    assert public_feed(timeout=0.3) is None
