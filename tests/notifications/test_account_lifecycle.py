"""Logout and account erasure reach the user's devices, inbox and every registered app, through
the lifecycle hooks: no more pushes, nothing kept of the erased person."""

import pytest
from django.utils import timezone

from jaki import lifecycle
from jaki.accounts.models import Session, User
from jaki.idempotency.models import IdempotencyRecord
from jaki.notifications import services
from jaki.notifications.models import Delivery, Device, InboxItem, Notification
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db

PHONE = "081234567890"


def register(api_client, tokens: dict, token: str) -> None:
    response = api_client.post(
        "/api/v1/devices/",
        {"token": token, "platform": "android", "lat": -6.2, "lon": 106.85},
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )
    assert response.status_code == 201, response.json()


def log_out(api_client, tokens: dict, **body) -> None:
    response = api_client.post(
        "/api/v1/auth/logout/",
        {"refresh": tokens["refresh"], **body},
        HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
    )
    assert response.status_code == 204, response.json()


def test_logout_deactivates_this_phone_only(api_client, login):
    phone = login(PHONE)
    register(api_client, phone, "phone-token")
    tablet = login(PHONE)
    register(api_client, tablet, "tablet-token")

    log_out(api_client, phone, device="phone-token")

    device = Device.objects.get(token="phone-token")
    assert not device.is_active
    assert device.deactivation_reason == "logout"
    assert Device.objects.get(token="tablet-token").is_active


def test_logout_without_a_device_leaves_every_device_pushed(api_client, login):
    phone = login(PHONE)
    register(api_client, phone, "phone-token")

    log_out(api_client, phone)

    assert Device.objects.get(token="phone-token").is_active


def test_logout_cannot_stop_someone_elses_device(api_client, login):
    mine = login(PHONE)
    theirs = login("081298765432")
    register(api_client, theirs, "their-token")

    log_out(api_client, mine, device="their-token")

    assert Device.objects.get(token="their-token").is_active


def test_logout_everywhere_deactivates_every_device(api_client, login):
    phone = login(PHONE)
    register(api_client, phone, "phone-token")
    tablet = login(PHONE)
    register(api_client, tablet, "tablet-token")

    log_out(api_client, phone, everywhere=True)

    assert not Device.objects.filter(is_active=True).exists()


MONAS = {"lat": -6.1754, "lon": 106.8272}  # a demo kelurahan: the device joins its topic


def erase(api_client, tokens: dict):
    return api_client.delete("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")


def test_erasure_deletes_devices_inbox_and_kept_replies_and_leaves_the_topic(
    api_client, login, firebase, demo_regions, django_capture_on_commit_callbacks
):
    tokens = login(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/devices/",
            {"token": "phone-token", "platform": "android", **MONAS},
            HTTP_AUTHORIZATION=f"Bearer {tokens['access']}",
            HTTP_IDEMPOTENCY_KEY="register-once",
        )
    assert response.status_code == 201, response.json()
    topic = Device.objects.get().topic
    assert firebase.subscriptions[topic] == {"phone-token"}
    user = Device.objects.get().user
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(kind="test", title={"id": "x"}, body={"id": "y"}, users=[user])
    assert InboxItem.objects.filter(user=user).exists()
    assert IdempotencyRecord.objects.filter(user=user).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert erase(api_client, tokens).status_code == 204

    assert not Device.objects.exists()
    assert not InboxItem.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert "phone-token" not in firebase.subscriptions.get(topic, set())
    assert Notification.objects.count() == 1  # said to many: it stays, with its counts


def test_erasure_counts_what_was_still_in_flight_to_the_phones_as_failed(api_client, login):
    tokens = login(PHONE)
    register(api_client, tokens, "phone-token")
    phone = Device.objects.get()
    elsewhere = DeviceFactory()
    notification = Notification.objects.create(
        kind="test",
        title_id="x",
        body_id="y",
        state="sending",
        targeted=2,
        sent=1,
        planned_at=timezone.now(),
    )
    Delivery.objects.create(notification=notification, device=elsewhere, status="sent")
    Delivery.objects.create(notification=notification, device=phone, status="retry")

    assert erase(api_client, tokens).status_code == 204

    notification.refresh_from_db()
    assert (notification.sent, notification.failed, notification.state) == (1, 1, "done")
    assert list(Delivery.objects.values_list("device_id", flat=True)) == [elsewhere.pk]


def test_a_handler_that_fails_rolls_the_whole_erasure_back(api_client, login):
    tokens = login(PHONE)
    register(api_client, tokens, "phone-token")

    def anonymise_my_complaints(*, user, **_):
        raise RuntimeError("the complaints table is locked")

    lifecycle.user_erased.register(anonymise_my_complaints)
    api_client.raise_request_exception = False
    try:
        response = erase(api_client, tokens)
    finally:
        lifecycle.user_erased.unregister(anonymise_my_complaints)

    assert response.status_code == 500
    user = User.objects.get()
    assert (user.phone, user.is_active, user.erased_at) == ("+6281234567890", True, None)
    assert Device.objects.get().is_active
    assert Session.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_a_services_erasure_handler_is_called_with_the_user_before_anonymising(api_client, login):
    tokens = login(PHONE)
    seen = []

    def anonymise_my_complaints(*, user, **_):
        seen.append((user.pk, user.phone))

    lifecycle.user_erased.register(anonymise_my_complaints)
    try:
        assert erase(api_client, tokens).status_code == 204
    finally:
        lifecycle.user_erased.unregister(anonymise_my_complaints)

    assert seen == [(User.objects.get().pk, "+6281234567890")]


def test_a_services_logout_handler_hears_which_phone_logged_out(api_client, login):
    tokens = login(PHONE)
    heard = []

    def close_my_streams(*, user, device, everywhere, **_):
        heard.append((user.phone, device, everywhere))

    lifecycle.user_logged_out.register(close_my_streams)
    try:
        log_out(api_client, tokens, device="phone-token")
    finally:
        lifecycle.user_logged_out.unregister(close_my_streams)

    assert heard == [("+6281234567890", "phone-token", False)]


def test_a_logged_out_device_gets_nothing(api_client, login, django_capture_on_commit_callbacks):
    tokens = login(PHONE)
    register(api_client, tokens, "phone-token")
    log_out(api_client, tokens, device="phone-token")
    user = Device.objects.get().user

    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            kind="test", title={"id": "x"}, body={"id": "y"}, users=[user]
        )

    notification.refresh_from_db()
    assert notification.targeted == 0
