"""Devices API: registering push tokens, moving them, updating location, removing them."""

import pytest

from jaki.notifications.models import Device
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db

MONAS = {"lat": -6.1754, "lon": 106.8272}  # kelurahan Gambir, 31.71.01.1001
TOKEN = "dQw4w9WgXcQ:APA91bF-Ab_c9" + "x" * 120


def register(client, headers=None, **body):
    body = {"token": TOKEN, "platform": "android", **body}
    return client.post("/api/v1/devices/", body, headers=headers)


def test_a_resident_registers_a_device(resident, as_user):
    response = register(as_user(resident), fid="fid-1", language="en", app_version="3.2.0")

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "token": TOKEN,
        "fid": "fid-1",
        "platform": "android",
        "language": "en",
        "app_version": "3.2.0",
        "lat": None,
        "lon": None,
        "kelurahan": None,
        "is_active": True,
        "last_seen_at": body["last_seen_at"],
    }
    device = Device.objects.get()
    assert device.user == resident


def test_registering_the_same_token_again_answers_200_and_keeps_one_row(resident, as_user):
    client = as_user(resident)

    first = register(client, app_version="3.2.0")
    again = register(client, app_version="3.3.0")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Device.objects.get().app_version == "3.3.0"


def test_a_token_registered_by_another_resident_moves_to_the_caller(
    resident, other_resident, as_user
):
    DeviceFactory(token=TOKEN, user=other_resident)

    response = register(as_user(resident))

    assert response.status_code == 200
    assert Device.objects.get().user == resident
    assert not other_resident.devices.exists()


def test_a_token_that_changes_hands_starts_clean_and_tells_nothing_of_its_previous_owner(
    resident, other_resident, as_user, demo_regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(as_user(other_resident), fid="fid-old", language="en", app_version="3.1", **MONAS)
    Device.objects.update(is_test=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = register(as_user(resident))

    assert response.status_code == 200
    body = response.json()
    assert (body["lat"], body["lon"], body["kelurahan"]) == (None, None, None)
    assert (body["fid"], body["app_version"], body["language"]) == ("", "", resident.language)
    device = Device.objects.get()
    assert (device.user, device.kelurahan, device.topic, device.is_test) == (
        resident,
        None,
        "",
        False,
    )


def test_registering_an_inactive_token_reactivates_it(resident, as_user):
    DeviceFactory(token=TOKEN, user=resident, is_active=False, deactivation_reason="logout")

    response = register(as_user(resident))

    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert Device.objects.get().deactivation_reason == ""


def test_a_new_device_speaks_the_residents_language_unless_told(resident, as_user):
    resident.language = "en"
    resident.save()

    response = register(as_user(resident))

    assert response.json()["language"] == "en"


def test_a_device_registered_at_a_point_gets_its_kelurahan(resident, as_user, demo_regions):
    response = register(as_user(resident), **MONAS)

    assert response.status_code == 201
    assert response.json()["kelurahan"]["code"] == "31.71.01.1001"
    assert response.json()["kelurahan"]["name"]
    assert (response.json()["lat"], response.json()["lon"]) == (MONAS["lat"], MONAS["lon"])


def test_a_device_outside_jakarta_has_no_kelurahan(resident, as_user, demo_regions):
    response = register(as_user(resident), lat=-7.7956, lon=110.3695)  # Yogyakarta

    assert response.status_code == 201
    assert response.json()["kelurahan"] is None


def test_a_device_is_subscribed_to_its_kelurahan_topic_after_commit(
    resident, as_user, demo_regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(as_user(resident), language="id", **MONAS)

    assert Device.objects.get().topic == "kel-31.71.01.1001-id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": ""}, "token"),
        ({"token": "a/b"}, "token"),
        ({"token": "x" * 513}, "token"),
        ({"platform": "windows"}, "platform"),
        ({"platform": None}, "platform"),
        ({"language": "fr"}, "language"),
        ({"lat": -6.2}, "lon"),
        ({"lon": 106.8}, "lat"),
        ({"lat": 91, "lon": 106.8}, "lat"),
        ({"lat": -6.2, "lon": -181}, "lon"),
        ({"lat": "nan", "lon": 106.8}, "lat"),
        ({"lat": -6.2, "lon": "Infinity"}, "lon"),
        ({"lat": "here", "lon": 106.8}, "lat"),
        ({"lat": None, "lon": 106.8}, "lat"),
        ({"app_version": "9" * 33}, "app_version"),
    ],
)
def test_registration_refuses_bad_input(resident, as_user, body, field):
    response = register(as_user(resident), **body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]
    assert not Device.objects.exists()


def test_registration_refuses_a_body_that_is_not_json(resident, as_user):
    response = as_user(resident).post(
        "/api/v1/devices/", "{token: ", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_retried_registration_with_an_idempotency_key_replays_the_first_answer(resident, as_user):
    client = as_user(resident)

    first = register(client, headers={"Idempotency-Key": "k-1"})
    retry = register(client, headers={"Idempotency-Key": "k-1"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert Device.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/devices/"),
        ("patch", f"/api/v1/devices/{TOKEN}/"),
        ("delete", f"/api/v1/devices/{TOKEN}/"),
    ],
)
def test_every_device_endpoint_refuses_anonymous_callers(api_client, method, path):
    DeviceFactory(token=TOKEN)

    response = getattr(api_client, method)(path, {})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_bad_access_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = register(api_client)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_the_owner_moves_a_device_and_its_kelurahan_follows(resident, as_user, demo_regions):
    DeviceFactory(token=TOKEN, user=resident, language="id")

    response = as_user(resident).patch(
        f"/api/v1/devices/{TOKEN}/", {**MONAS, "language": "en", "app_version": "3.4.0"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["kelurahan"]["code"] == "31.71.01.1001"
    assert (body["language"], body["app_version"]) == ("en", "3.4.0")
    device = Device.objects.get()
    assert (device.lat, device.lon, device.kelurahan.code) == (-6.1754, 106.8272, "31.71.01.1001")


def test_a_patch_without_a_location_keeps_the_last_one(resident, as_user, demo_regions):
    register(as_user(resident), **MONAS)

    response = as_user(resident).patch(f"/api/v1/devices/{TOKEN}/", {"language": "en"})

    assert response.status_code == 200
    assert response.json()["kelurahan"]["code"] == "31.71.01.1001"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": -6.2}, "lon"),
        ({"lat": -100, "lon": 106.8}, "lat"),
        ({"lat": -6.2, "lon": "nan"}, "lon"),
        ({"language": "jv"}, "language"),
    ],
)
def test_a_patch_refuses_bad_input(resident, as_user, body, field):
    DeviceFactory(token=TOKEN, user=resident)

    response = as_user(resident).patch(f"/api/v1/devices/{TOKEN}/", body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_nobody_touches_another_residents_device(resident, other_resident, as_user, method):
    DeviceFactory(token=TOKEN, user=other_resident)

    response = getattr(as_user(resident), method)(f"/api/v1/devices/{TOKEN}/", {"language": "en"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    device = Device.objects.get()
    assert device.is_active
    assert device.language == "id"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_an_unknown_token_is_not_found(resident, as_user, method):
    response = getattr(as_user(resident), method)("/api/v1/devices/no-such-token/", {})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_owner_deletes_a_device_and_it_is_no_longer_pushed_to(resident, as_user):
    DeviceFactory(token=TOKEN, user=resident)

    response = as_user(resident).delete(f"/api/v1/devices/{TOKEN}/")

    assert response.status_code == 204
    device = Device.objects.get()
    assert not device.is_active
    assert device.deactivation_reason == "deleted by owner"
    assert device.deactivated_at is not None


def test_deleting_an_inactive_device_again_answers_204_and_keeps_the_first_reason(
    resident, as_user
):
    DeviceFactory(token=TOKEN, user=resident, is_active=False, deactivation_reason="fcm:dead-token")

    response = as_user(resident).delete(f"/api/v1/devices/{TOKEN}/")

    assert response.status_code == 204
    assert Device.objects.get().deactivation_reason == "fcm:dead-token"


def test_an_inactive_device_cannot_be_updated(resident, as_user):
    DeviceFactory(token=TOKEN, user=resident, is_active=False)

    response = as_user(resident).patch(f"/api/v1/devices/{TOKEN}/", {"language": "en"})

    assert response.status_code == 404


def test_a_device_that_moved_to_another_resident_is_no_longer_the_first_owners(
    resident, other_resident, as_user
):
    register(as_user(other_resident))
    register(as_user(resident))

    response = as_user(other_resident).delete(f"/api/v1/devices/{TOKEN}/")

    assert response.status_code == 404
    assert Device.objects.get().is_active


@pytest.mark.parametrize("known", [False, True], ids=["new", "known"])
def test_registering_a_device_at_a_point_costs_the_same_few_queries(
    resident, as_user, demo_regions, django_assert_num_queries, known
):
    client = as_user(resident)
    client.get("/api/v1/regions/locate/", MONAS)  # the locate index is built once per process
    if known:
        register(client, **MONAS)

    # The user; the token's row, locked; the kelurahan's code and name (not its boundary); the
    # write; the topic it has now. Plus the savepoint pair of its transaction inside the test's.
    with django_assert_num_queries(7):
        response = register(client, **MONAS)

    assert response.status_code == (200 if known else 201)
    assert response.json()["kelurahan"]["code"] == "31.71.01.1001"
