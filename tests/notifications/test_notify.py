"""notify(): who a notification reaches, what it refuses, what it records (log backend)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import translation

from jaki.notifications import services
from jaki.notifications.models import Delivery, Device, InboxItem, Notification
from jaki.regions.geo import cap_circle
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

MONAS = (-6.1754, 106.8272)  # kelurahan Gambir, 31.71.01.1001
CIKINI = (-6.1960, 106.8400)  # kelurahan Cikini, 31.71.06.1003 (kecamatan Menteng)
TITLE = {"id": "Banjir di Gambir", "en": "Flood in Gambir"}
BODY = {"id": "Hindari Jalan Medan Merdeka.", "en": "Avoid Jalan Medan Merdeka."}


def device(user=None, *, at=None, **fields) -> Device:
    user = user or UserFactory()
    lat, lon = at or (None, None)
    registered, _ = services.device_register(
        user=user,
        token=fields.pop("token", f"token-{Device.objects.count()}-{user.pk}"),
        platform=fields.pop("platform", "android"),
        lat=lat,
        lon=lon,
        **fields,
    )
    return registered


def send(django_capture_on_commit_callbacks, **audience) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(kind="alert", title=TITLE, body=BODY, **audience)
    notification.refresh_from_db()
    return notification


def reached(notification: Notification) -> set[int]:
    return set(
        Delivery.objects.filter(notification=notification, status="sent").values_list(
            "device_id", flat=True
        )
    )


def test_it_reaches_every_active_device_of_the_named_users(django_capture_on_commit_callbacks):
    siti, budi = UserFactory(), UserFactory()
    phone, tablet = device(siti), device(siti)
    device(budi)
    old = device(siti)
    services.device_deactivate(device=old, reason="test")

    notification = send(django_capture_on_commit_callbacks, users=[siti])

    assert reached(notification) == {phone.pk, tablet.pk}
    assert (notification.targeted, notification.sent, notification.failed) == (2, 2, 0)
    assert notification.state == "done"
    assert notification.first_sent_at is not None
    assert notification.first_sent_at <= notification.last_sent_at


def test_named_users_get_an_inbox_row_even_without_a_device(django_capture_on_commit_callbacks):
    siti = UserFactory()

    notification = send(django_capture_on_commit_callbacks, users=[siti])

    assert InboxItem.objects.filter(user=siti, notification=notification).exists()
    assert notification.targeted == 0


def test_it_reaches_devices_in_the_named_kelurahan(
    demo_regions, django_capture_on_commit_callbacks
):
    in_gambir, in_cikini = device(at=MONAS), device(at=CIKINI)

    notification = send(django_capture_on_commit_callbacks, kelurahan=["31.71.01.1001"])

    assert reached(notification) == {in_gambir.pk}
    assert in_cikini.kelurahan.code != "31.71.01.1001"


def test_it_reaches_devices_inside_a_polygon(django_capture_on_commit_callbacks):
    inside, outside, nowhere = device(at=(-6.20, 106.85)), device(at=(-6.30, 106.85)), device()
    square = {
        "type": "Polygon",
        "coordinates": [
            [[106.84, -6.19], [106.86, -6.19], [106.86, -6.21], [106.84, -6.21], [106.84, -6.19]]
        ],
    }

    notification = send(django_capture_on_commit_callbacks, area=square)

    assert reached(notification) == {inside.pk}
    assert {outside.pk, nowhere.pk}.isdisjoint(reached(notification))


def test_it_reaches_devices_inside_a_circle(django_capture_on_commit_callbacks):
    near = device(at=(-6.2100, 106.8500))
    edge = device(at=(-6.2100, 106.8630))  # ~1.43 km east
    far = device(at=(-6.2100, 106.8700))  # ~2.2 km east

    notification = send(
        django_capture_on_commit_callbacks,
        area={"type": "Circle", "lat": -6.21, "lon": 106.85, "radius_km": 1.5},
    )

    assert reached(notification) == {near.pk, edge.pk}
    assert far.pk not in reached(notification)


def test_a_circle_in_metres_reaches_devices_up_to_its_radius_and_is_stored_in_metres(
    django_capture_on_commit_callbacks,
):
    near = device(at=(-6.2100, 106.8500))
    edge = device(at=(-6.2100, 106.8630))  # ~1.43 km east
    far = device(at=(-6.2100, 106.8700))  # ~2.2 km east

    notification = send(
        django_capture_on_commit_callbacks,
        area={"type": "Circle", "lat": -6.21, "lon": 106.85, "radius_m": 1500},
    )

    assert reached(notification) == {near.pk, edge.pk}
    assert far.pk not in reached(notification)
    assert notification.audience["area"] == [
        {"type": "Circle", "lat": -6.21, "lon": 106.85, "radius_m": 1500.0}
    ]


def test_a_cap_circle_in_kilometres_is_stored_in_metres(django_capture_on_commit_callbacks):
    notification = send(django_capture_on_commit_callbacks, area=cap_circle("-6.21,106.85 1.5"))

    assert notification.audience["area"][0]["radius_m"] == 1500.0


def test_owners_of_reached_devices_get_one_inbox_row_each(django_capture_on_commit_callbacks):
    siti = UserFactory()
    device(siti, at=(-6.2, 106.85))
    device(siti, at=(-6.2, 106.85))

    notification = send(
        django_capture_on_commit_callbacks,
        area={"type": "Circle", "lat": -6.2, "lon": 106.85, "radius_km": 1},
    )

    assert InboxItem.objects.filter(notification=notification).count() == 1


def test_a_test_notification_reaches_only_test_devices(django_capture_on_commit_callbacks):
    tester = device()
    Device.objects.filter(pk=tester.pk).update(is_test=True)
    ordinary = device()

    notification = send(django_capture_on_commit_callbacks, everyone=True, test=True)

    assert reached(notification) == {tester.pk}
    assert ordinary.pk not in reached(notification)


def test_nothing_leaves_before_the_transaction_commits(django_capture_on_commit_callbacks):
    siti = UserFactory()
    device(siti)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = services.notify(kind="alert", title=TITLE, body=BODY, users=[siti])

    assert callbacks  # the fan-out waits for the commit
    assert not Delivery.objects.filter(notification=notification).exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"title": {"en": "x"}}, "Indonesian"),
        ({"title": {"id": "x", "fr": "y"}}, "'id' and 'en'"),
        ({"priority": "urgent"}, "normal"),
        ({"ttl": timedelta(days=29)}, "28 days"),
        ({"kelurahan": ["9999999999"]}, "9999999999"),
        ({"area": {"type": "Point", "coordinates": [106.8, -6.2]}}, "Polygon"),
        ({"area": {"type": "Circle", "lat": 200, "lon": 106.8, "radius_km": 1}}, "range"),
        ({"area": {"type": "Circle", "lat": 0, "lon": 180, "radius_m": 10}}, "antimeridian"),
        ({"area": {"type": "Circle", "lat": -6.2, "lon": 106.8, "radius_m": 5e6}}, "at most"),
        ({"body": {"id": "x" * 5000}}, "4096"),
        ({"everyone": False}, "audience"),
        ({"users": [], "everyone": True, "via_topic": True}, "topics"),
    ],
)
def test_it_refuses_a_notification_that_cannot_be_sent(arguments, message):
    base = {"kind": "alert", "title": TITLE, "body": BODY, "everyone": True}

    with translation.override("en"), pytest.raises(services.InvalidNotification, match=message):
        services.notify(**{**base, **arguments})

    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "key", ["from", "message_type", "notification", "collapse_key", "google.c.a.e", "gcm.n.e"]
)
def test_it_refuses_a_data_key_fcm_reserves(key):
    base = {"kind": "alert", "title": TITLE, "body": BODY, "everyone": True}

    with translation.override("en"), pytest.raises(services.InvalidNotification, match="reserved"):
        services.notify(**base, data={key: "1", "report": "42"})

    assert not Notification.objects.exists()


def test_a_user_or_device_named_twice_is_reached_once_and_the_callers_work_survives(
    django_capture_on_commit_callbacks,
):
    siti = UserFactory()
    phone = device(siti)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = UserFactory()  # the caller's own write, in the same transaction
        notification = services.notify(
            kind="alert", title=TITLE, body=BODY, users=[siti, siti], devices=[phone, phone]
        )

    assert InboxItem.objects.filter(notification=notification, user=siti).count() == 1
    assert reached(notification) == {phone.pk}
    assert notification.audience == {"users": [siti.pk], "devices": [phone.pk]}
    assert type(kept).objects.filter(pk=kept.pk).exists()


def test_a_message_to_named_users_never_reaches_a_phone_that_changed_hands_after_the_plan():
    siti, budi = UserFactory(), UserFactory()
    device(siti, token="shared-phone")
    notification = services.notify(kind="alert", title=TITLE, body=BODY, users=[siti])
    (chunk,) = services.fanout_chunks(notification_id=notification.pk)

    device(budi, token="shared-phone")  # the phone is given away before its chunk goes out
    services.deliveries_send(notification_id=notification.pk, device_ids=chunk)

    assert reached(notification) == set()
    assert not InboxItem.objects.filter(user=budi).exists()
    assert InboxItem.objects.filter(user=siti, notification=notification).exists()


def test_in_languages_renders_a_message_and_its_params_in_each_language():
    from django.utils.translation import gettext_lazy

    from jaki.notifications.services import in_languages

    texts = in_languages(
        gettext_lazy("Camera %(camera)s is back online."),
        camera={"id": "Monas (utara)", "en": "Monas (north)"},
    )

    assert texts == {
        "id": "Kamera Monas (utara) kembali menyala.",
        "en": "Camera Monas (north) is back online.",
    }
