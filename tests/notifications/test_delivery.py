"""Delivery through firebase-admin's real code against the fake FCM server on loopback."""

import threading

import pytest
from django.db import connection

from jaki.notifications import fcm, services, tasks
from jaki.notifications.models import Delivery, Device, InboxItem, Notification
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLE = {"id": "Peringatan banjir", "en": "Flood warning"}
BODY = {"id": "Air naik di Manggarai.", "en": "Water is rising at Manggarai."}


def device(user=None, *, token=None, language="id", platform="android") -> Device:
    user = user or UserFactory()
    registered, _ = services.device_register(
        user=user,
        token=token or f"tok-{Device.objects.count()}-{user.pk}",
        platform=platform,
        language=language,
    )
    return registered


def notify(capture, **kwargs) -> Notification:
    kwargs.setdefault("title", TITLE)
    kwargs.setdefault("body", BODY)
    kwargs.setdefault("kind", "alert")
    with capture(execute=True):
        notification = services.notify(**kwargs)
    notification.refresh_from_db()
    return notification


def test_each_device_gets_the_message_in_its_language(firebase, django_capture_on_commit_callbacks):
    indonesian, english = device(language="id"), device(language="en")

    notify(django_capture_on_commit_callbacks, devices=[indonesian, english])

    by_token = {m.token: m.message for m in firebase.sent}
    assert by_token[indonesian.token]["notification"]["title"] == "Peringatan banjir"
    assert by_token[english.token]["notification"]["title"] == "Flood warning"
    assert by_token[english.token]["notification"]["body"] == "Water is rising at Manggarai."


def test_english_falls_back_to_indonesian(firebase, django_capture_on_commit_callbacks):
    english = device(language="en")

    notify(
        django_capture_on_commit_callbacks,
        devices=[english],
        title={"id": "Hanya"},
        body={"id": "ID"},
    )

    assert firebase.sent[0].message["notification"]["title"] == "Hanya"


def test_a_high_priority_message_wakes_android_and_is_time_sensitive_on_ios(
    firebase, django_capture_on_commit_callbacks
):
    phone = device()

    notification = notify(
        django_capture_on_commit_callbacks,
        devices=[phone],
        priority="high",
        collapse_key="cap-banjir-1",
        deep_link="jaki://alerts/1",
        data={"alert": "1"},
    )

    message = firebase.sent[0].message
    assert message["token"] == phone.token
    assert message["android"]["priority"] == "high"
    assert message["android"]["ttl"] == "86400s"
    assert message["android"]["collapse_key"] == "cap-banjir-1"
    assert message["android"]["notification"]["channel_id"] == "alerts"
    assert message["apns"]["headers"]["apns-priority"] == "10"
    assert message["apns"]["payload"]["aps"]["interruption-level"] == "time-sensitive"
    assert message["data"] == {
        "alert": "1",
        "link": "jaki://alerts/1",
        "notification_id": str(notification.public_id),
        "kind": "alert",
    }


def test_a_normal_message_is_not_urgent(firebase, django_capture_on_commit_callbacks):
    notify(django_capture_on_commit_callbacks, devices=[device()])

    message = firebase.sent[0].message
    assert message["android"]["priority"] == "normal"
    assert message["apns"]["headers"]["apns-priority"] == "5"
    assert "interruption-level" not in message["apns"]["payload"]["aps"]


@pytest.mark.parametrize("error", ["UNREGISTERED", "SENDER_ID_MISMATCH", "INVALID_ARGUMENT"])
def test_a_dead_token_is_pruned_and_its_device_deactivated(
    firebase, django_capture_on_commit_callbacks, error
):
    dead, alive = device(), device()
    firebase.fail_token(dead.token, error)

    notification = notify(django_capture_on_commit_callbacks, devices=[dead, alive])

    dead.refresh_from_db()
    assert not dead.is_active
    assert (notification.targeted, notification.sent, notification.pruned, notification.failed) == (
        2,
        1,
        1,
        0,
    )
    assert Delivery.objects.get(device=dead).status == "pruned"


def test_unavailable_is_retried_and_then_delivered(firebase, django_capture_on_commit_callbacks):
    phone = device()
    firebase.fail_next("UNAVAILABLE", count=2, retry_after=1)

    notification = notify(django_capture_on_commit_callbacks, devices=[phone])

    assert [m.error for m in firebase.sent] == ["UNAVAILABLE", "UNAVAILABLE", None]
    assert (notification.sent, notification.failed) == (1, 0)
    assert Delivery.objects.get(device=phone).attempts == 3


def test_the_retry_waits_at_least_as_long_as_retry_after(firebase, settings):
    settings.PUSH_RETRY_BASE_SECONDS = 0.01
    phone = device()
    notification = services.notify(kind="alert", title=TITLE, body=BODY, devices=[phone])
    firebase.fail_next("UNAVAILABLE", retry_after=30)

    retry_ids, delay = services.deliveries_send(
        notification_id=notification.pk, device_ids=[phone.pk]
    )

    assert retry_ids == [phone.pk]
    assert delay >= 30
    assert Delivery.objects.get(device=phone).status == "retry"


def test_quota_exceeded_backs_off_exponentially_with_jitter(firebase, settings):
    settings.PUSH_RETRY_BASE_SECONDS = 2
    phone = device()
    notification = services.notify(kind="alert", title=TITLE, body=BODY, devices=[phone])
    firebase.fail_next("QUOTA_EXCEEDED", count=3)

    delays = []
    for attempt in (1, 2, 3):
        retry_ids, delay = services.deliveries_send(
            notification_id=notification.pk, device_ids=[phone.pk], attempt=attempt
        )
        assert retry_ids == [phone.pk]
        delays.append(delay)

    assert 1 <= delays[0] <= 2
    assert 2 <= delays[1] <= 4
    assert 4 <= delays[2] <= 8


def test_it_gives_up_after_the_last_attempt(firebase, settings, django_capture_on_commit_callbacks):
    settings.PUSH_MAX_ATTEMPTS = 2
    phone = device()
    firebase.fail_next("INTERNAL", count=5)

    notification = notify(django_capture_on_commit_callbacks, devices=[phone])

    assert len(firebase.sent) == 2
    assert (notification.sent, notification.failed) == (0, 1)
    assert Delivery.objects.get(device=phone).error == "INTERNAL"


def test_a_send_fcm_holds_past_the_timeout_fails_and_is_never_resent(
    firebase, settings, django_capture_on_commit_callbacks
):
    settings.PUSH_HTTP_TIMEOUT_SECONDS = 0.5
    held, answered = device(), device()
    firebase.hang_token(held.token, seconds=3)

    notification = notify(django_capture_on_commit_callbacks, devices=[held, answered])

    # FCM may still deliver the held one: sending it again could make a duplicate.
    assert [m.token for m in firebase.sent].count(held.token) == 1
    assert (notification.sent, notification.failed) == (1, 1)
    assert Delivery.objects.get(device=held).error == "DEADLINE_EXCEEDED"


def test_an_unreachable_fcm_is_retried_later(firebase, settings):
    phone = device()
    notification = services.notify(kind="alert", title=TITLE, body=BODY, devices=[phone])
    settings.FCM_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens
    fcm.reset_push_backend()

    retry_ids, _delay = services.deliveries_send(
        notification_id=notification.pk, device_ids=[phone.pk]
    )

    assert retry_ids == [phone.pk]
    assert Delivery.objects.get(device=phone).error == "UNAVAILABLE"


def test_devices_sharing_a_language_get_the_same_message_but_their_own_token(
    firebase, django_capture_on_commit_callbacks
):
    phones = [device(token=f'tok"{i}\\ünï') for i in range(3)]  # JSON-escaped when sent

    notify(django_capture_on_commit_callbacks, devices=phones, deep_link="jaki://alerts/1")

    assert sorted(m.token for m in firebase.sent) == sorted(p.token for p in phones)
    first, *rest = [{k: v for k, v in m.message.items() if k != "token"} for m in firebase.sent]
    assert all(message == first for message in rest)


def test_a_chunk_sent_twice_reaches_no_device_twice(firebase, django_capture_on_commit_callbacks):
    phones = [device() for _ in range(5)]
    notification = notify(django_capture_on_commit_callbacks, devices=phones)

    # The same task again, as Redis would redeliver it after a worker died.
    services.deliveries_send(notification_id=notification.pk, device_ids=[p.pk for p in phones])

    tokens = [m.token for m in firebase.sent]
    assert sorted(tokens) == sorted(p.token for p in phones)


def test_chunks_hold_at_most_500_devices(firebase, settings, django_capture_on_commit_callbacks):
    settings.PUSH_CHUNK_SIZE = 3
    phones = [device() for _ in range(7)]

    notification = notify(django_capture_on_commit_callbacks, everyone=True)

    assert notification.targeted == notification.sent == 7
    assert len({m.token for m in firebase.sent}) == 7
    assert len(phones) == 7


def test_the_sdk_is_aimed_at_the_configured_endpoint(firebase, django_capture_on_commit_callbacks):
    notify(django_capture_on_commit_callbacks, devices=[device()])

    request = firebase.requests[-1]
    assert request.path == "/v1/projects/jaki-test/messages:send"
    assert request.headers["authorization"] == "Bearer fake-token"


def test_devices_follow_their_kelurahan_topic(
    firebase, demo_regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        phone, _ = services.device_register(
            user=UserFactory(), token="tok-moving", platform="ios", lat=-6.1754, lon=106.8272
        )
    assert firebase.subscriptions.get("kel-31.71.01.1001-id") == {"tok-moving"}

    with django_capture_on_commit_callbacks(execute=True):
        services.device_update(device=phone, lat=-6.1960, lon=106.8400)

    phone.refresh_from_db()
    new_topic = f"kel-{phone.kelurahan.code}-id"
    assert phone.topic == new_topic
    assert firebase.subscriptions.get(new_topic) == {"tok-moving"}
    assert "tok-moving" not in firebase.subscriptions.get("kel-31.71.01.1001-id", set())


def test_a_kelurahan_warning_can_go_out_as_topic_messages(
    firebase, demo_regions, django_capture_on_commit_callbacks
):
    notification = notify(
        django_capture_on_commit_callbacks, kelurahan=["31.71.01.1001"], via_topic=True, inbox=False
    )

    topics = sorted(m.message["topic"] for m in firebase.sent)
    assert topics == ["kel-31.71.01.1001-en", "kel-31.71.01.1001-id"]
    assert notification.sent == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [(400, b'{"error": "not an object"}'), (404, b'{"error": {"details": 7}}')],
)
def test_an_unreadable_answer_fails_its_own_send_and_its_window_keeps_its_outcomes(
    firebase, settings, django_capture_on_commit_callbacks, status, body
):
    settings.PUSH_SEND_CONCURRENCY = 8  # one window for all three
    first, odd, last = device(), device(), device()
    firebase.garble_token(odd.token, status, body)

    notification = notify(django_capture_on_commit_callbacks, devices=[first, odd, last])

    statuses = dict(Delivery.objects.values_list("device_id", "status"))
    assert statuses == {first.pk: "sent", odd.pk: "failed", last.pk: "sent"}
    assert Delivery.objects.get(device=odd).error == "BAD_ANSWER"
    assert (notification.sent, notification.failed, notification.state) == (2, 1, "done")


MONAS = {"lat": -6.1754, "lon": 106.8272}  # kelurahan Gambir, 31.71.01.1001
GAMBIR_ID = "kel-31.71.01.1001-id"


def placed(token: str) -> Device:
    """A device in Gambir whose topic sync has not run yet (its task waits for a commit)."""
    registered, _ = services.device_register(
        user=UserFactory(), token=token, platform="android", language="id", **MONAS
    )
    return registered


def test_a_refused_subscription_is_retried_until_it_lands(
    firebase, demo_regions, django_capture_on_commit_callbacks
):
    firebase.fail_topic_next("QUOTA_EXCEEDED", count=2)

    with django_capture_on_commit_callbacks(execute=True):
        phone = placed("tok-retried")

    phone.refresh_from_db()
    assert phone.topic == GAMBIR_ID
    assert firebase.subscriptions[GAMBIR_ID] == {"tok-retried"}
    assert len([r for r in firebase.requests if "topicSubscriptions" in r.path]) == 3


def test_a_refused_subscription_stays_pending_and_waits_longer_each_time(
    firebase, demo_regions, settings
):
    settings.PUSH_RETRY_BASE_SECONDS = 2
    settings.PUSH_MAX_ATTEMPTS = 4
    phone = placed("tok-refused")
    firebase.fail_topic_token("tok-refused", "QUOTA_EXCEEDED")

    delays = [services.device_sync_topic(device_id=phone.pk, attempt=n) for n in (1, 2, 3, 4)]

    assert 1 <= delays[0] <= 2 and 2 <= delays[1] <= 4 and 4 <= delays[2] <= 8
    assert delays[3] is None  # the last attempt: the reconcile beat takes it from here
    phone.refresh_from_db()
    assert phone.topic == ""
    assert phone.is_active
    assert GAMBIR_ID not in firebase.subscriptions


def test_the_sdk_retries_an_unavailable_topic_call_itself(firebase, demo_regions):
    phone = placed("tok-flaky")
    firebase.fail_topic_next("UNAVAILABLE")

    assert services.device_sync_topic(device_id=phone.pk) is None

    assert firebase.subscriptions[GAMBIR_ID] == {"tok-flaky"}


def test_the_reconcile_beat_subscribes_devices_left_out_of_their_topic(firebase, demo_regions):
    refused, _, other = placed("tok-a"), placed("tok-b"), placed("tok-c")
    firebase.fail_topic_token("tok-a", "THIRD_PARTY_AUTH_ERROR")
    services.devices_sync_topics(device_ids=[refused.pk])
    Device.objects.filter(pk=other.pk).update(topic="kel-9999999999-id")  # a lost move

    assert tasks.reconcile_device_topics() == 2  # tok-a is refused once more, on its own

    topics = dict(Device.objects.values_list("token", "topic"))
    assert topics == {"tok-a": "", "tok-b": GAMBIR_ID, "tok-c": GAMBIR_ID}
    firebase.reset()
    assert tasks.reconcile_device_topics() == 1
    assert Device.objects.get(pk=refused.pk).topic == GAMBIR_ID
    assert firebase.subscriptions[GAMBIR_ID] == {"tok-a"}


def test_a_token_gone_from_fcm_is_deactivated_instead_of_retried(firebase, demo_regions):
    phone = placed("tok-gone")
    firebase.fail_topic_token("tok-gone", "UNREGISTERED")

    assert services.device_sync_topic(device_id=phone.pk) is None

    phone.refresh_from_db()
    assert (phone.is_active, phone.topic) == (False, "")


@pytest.mark.django_db(transaction=True)
def test_the_inbox_row_goes_to_whoever_owns_the_phone_when_it_is_sent(firebase, settings):
    settings.PUSH_SEND_CONCURRENCY = 1  # one device a window: the third is read after the first
    siti, budi = UserFactory(), UserFactory()
    ids = [device(token="tok-1").pk, device(token="tok-2").pk, device(siti, token="tok-3").pk]
    notification = Notification.objects.create(
        kind="alert", title_id="Banjir", body_id="Waspada", audience={"everyone": True}
    )
    firebase.hang_token("tok-1")

    def send() -> None:
        try:
            services.deliveries_send(notification_id=notification.pk, device_ids=ids)
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    while sender.is_alive() and not any(m.token == "tok-1" for m in firebase.sent):
        # Waiting for the first window to be on the wire (a hand-off, not a clock).
        sender.join(timeout=0.01)
    services.device_register(user=budi, token="tok-3", platform="android")  # given away
    firebase.release()
    sender.join(timeout=10)

    owners = set(InboxItem.objects.filter(notification=notification).values_list("user", flat=True))
    assert budi.pk in owners
    assert siti.pk not in owners
