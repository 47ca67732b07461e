"""FCM unreachable, or answering 503, for 10 minutes, through firebase-admin's real code
against the fake FCM. Time is the backoff's own: each try returns how long to wait before the
next, and the test adds those waits up instead of sleeping them.

Residents: the warning arrives when FCM is back, once. Officers: the delivery counts say what
happened (sent, failed, still retrying), and nothing is counted twice."""

from collections import Counter

import pytest

from jaki.notifications import fcm, services
from jaki.notifications.models import Delivery, Notification
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

OUTAGE_SECONDS = 600


@pytest.fixture(autouse=True)
def _fresh_push_backend():
    fcm.reset_push_backend()
    yield
    fcm.reset_push_backend()


def broadcast(count: int) -> tuple[Notification, list[int]]:
    user = UserFactory()
    devices = [
        services.device_register(user=user, token=f"tok-{user.pk}-{i}", platform="android")[0]
        for i in range(count)
    ]
    notification = services.notify(
        kind="alert", title={"id": "Banjir"}, body={"id": "Air naik."}, devices=devices
    )
    return notification, [device.pk for device in devices]


def ride_out(notification: Notification, device_ids: list[int], *, fcm_down, fcm_up) -> int:
    """Try as the push task does until the outage is over and one more try; the attempt that
    delivered."""
    fcm_down()
    waited, attempt = 0.0, 1
    while waited < OUTAGE_SECONDS:
        retry_ids, delay = services.deliveries_send(
            notification_id=notification.pk, device_ids=device_ids, attempt=attempt
        )
        assert retry_ids == device_ids  # all waiting, none given up on
        waited += delay
        attempt += 1
    fcm_up()
    retry_ids, _ = services.deliveries_send(
        notification_id=notification.pk, device_ids=device_ids, attempt=attempt
    )
    assert retry_ids == []
    return attempt


def test_an_unreachable_fcm_for_ten_minutes_delivers_each_device_once_when_it_returns(
    firebase, settings
):
    notification, device_ids = broadcast(3)
    endpoint = settings.FCM_ENDPOINT

    def down():
        settings.FCM_ENDPOINT = "http://127.0.0.1:9"  # the discard port: nothing listens
        fcm.reset_push_backend()

    def up():
        settings.FCM_ENDPOINT = endpoint
        fcm.reset_push_backend()

    attempt = ride_out(notification, device_ids, fcm_down=down, fcm_up=up)

    assert attempt <= settings.PUSH_MAX_ATTEMPTS
    assert Counter(m.token for m in firebase.sent) == {
        token: 1 for token in Delivery.objects.values_list("device__token", flat=True)
    }
    notification.refresh_from_db()
    assert (notification.sent, notification.failed) == (3, 0)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {attempt}


def test_fcm_answering_503_for_ten_minutes_is_retried_within_the_attempts(firebase, settings):
    notification, device_ids = broadcast(2)

    attempt = ride_out(
        notification,
        device_ids,
        fcm_down=lambda: firebase.fail_next("UNAVAILABLE", count=10_000),
        fcm_up=firebase.stop_failing,
    )

    assert attempt <= settings.PUSH_MAX_ATTEMPTS
    delivered = Counter(m.token for m in firebase.sent if m.error is None)
    assert sorted(delivered.values()) == [1, 1]
    notification.refresh_from_db()
    assert (notification.sent, notification.failed) == (2, 0)
