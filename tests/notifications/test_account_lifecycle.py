"""Logout and account erasure reach the user's devices: no more pushes, no stored location."""

import pytest

from jaki.notifications import services
from jaki.notifications.models import Device

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


def test_erasure_deactivates_devices_and_forgets_where_they_were(api_client, login):
    tokens = login(PHONE)
    register(api_client, tokens, "phone-token")

    api_client.delete("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    device = Device.objects.get(token="phone-token")
    assert not device.is_active
    assert (device.lat, device.lon, device.kelurahan_id) == (None, None, None)


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
