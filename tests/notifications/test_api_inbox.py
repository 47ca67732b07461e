"""Inbox API: a resident's notifications, newest first, in their language; marking them read."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from jaki.notifications import services
from jaki.notifications.models import InboxItem
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db

START = timezone.datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))


def send(*users, title="Banjir di Gambir", body="Hindari Jl. Merdeka", en=True, **kwargs):
    return services.notify(
        kind=kwargs.pop("kind", "info"),
        title={"id": title, **({"en": "Flood in Gambir"} if en else {})},
        body={"id": body, **({"en": "Avoid Jl. Merdeka"} if en else {})},
        users=users,
        **kwargs,
    )


def inbox(client, language: str = "id", **params):
    response = client.get("/api/v1/notifications/", params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.json()
    return response.json()


def item_of(user, notification) -> InboxItem:
    return InboxItem.objects.get(user=user, notification=notification)


def test_the_inbox_lists_a_residents_notifications_newest_first(resident, as_user):
    with time_machine.travel(START, tick=False) as clock:
        send(resident, title="Pertama")
        clock.shift(timedelta(minutes=5))
        send(resident, title="Kedua")
        clock.shift(timedelta(minutes=5))
        send(resident, title="Ketiga", data={"complaint": "JK-1"}, kind="complaint.updated")

    page = inbox(as_user(resident))

    assert [item["title"] for item in page["results"]] == ["Ketiga", "Kedua", "Pertama"]
    newest = page["results"][0]
    assert set(newest) == {"id", "kind", "title", "body", "data", "created_at", "read_at"}
    assert newest["kind"] == "complaint.updated"
    assert newest["data"] == {"complaint": "JK-1"}
    assert newest["read_at"] is None
    assert newest["created_at"].startswith("2026-12-01T09:10:00")
    assert page["next"] is None and page["previous"] is None


def test_the_inbox_speaks_the_language_of_the_request(resident, as_user):
    send(resident)
    send(resident, title="Hanya bahasa Indonesia", body="Tanpa terjemahan", en=False)

    page = inbox(as_user(resident), language="en")

    titles = {(item["title"], item["body"]) for item in page["results"]}
    assert titles == {
        ("Flood in Gambir", "Avoid Jl. Merdeka"),
        ("Hanya bahasa Indonesia", "Tanpa terjemahan"),  # no English: falls back to id
    }


def test_an_indonesian_speaker_reads_indonesian(resident, as_user):
    send(resident)

    (item,) = inbox(as_user(resident))["results"]

    assert (item["title"], item["body"]) == ("Banjir di Gambir", "Hindari Jl. Merdeka")


def test_nobody_reads_another_residents_inbox(resident, other_resident, as_user):
    send(other_resident, title="Untuk Budi")
    send(resident, title="Untuk Siti")

    page = inbox(as_user(resident))

    assert [item["title"] for item in page["results"]] == ["Untuk Siti"]
    assert page["unread_count"] == 1


def test_unread_count_counts_the_whole_inbox_not_the_page(resident, as_user):
    notifications = [send(resident, title=f"N{n}") for n in range(5)]
    services.inbox_mark_read(user=resident, item=item_of(resident, notifications[0]))

    page = inbox(as_user(resident), page_size=2)

    assert len(page["results"]) == 2
    assert page["unread_count"] == 4
    assert list(page) == ["next", "previous", "unread_count", "results"]


def test_the_inbox_pages_with_cursors(resident, as_user):
    with time_machine.travel(START, tick=False) as clock:
        for n in range(5):
            send(resident, title=f"N{n}")
            clock.shift(timedelta(minutes=1))
    client = as_user(resident)

    first = inbox(client, page_size=2)
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    titles = [i["title"] for page in (first, second, third) for i in page["results"]]
    assert titles == ["N4", "N3", "N2", "N1", "N0"]
    assert third["next"] is None
    assert third["unread_count"] == 5


def test_items_sent_in_the_same_instant_all_appear_once(resident, as_user):
    with time_machine.travel(START, tick=False):
        for n in range(5):
            send(resident, title=f"N{n}")
    client = as_user(resident)

    first = inbox(client, page_size=2)
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    titles = [i["title"] for page in (first, second, third) for i in page["results"]]
    assert titles == ["N4", "N3", "N2", "N1", "N0"]  # ties broken by id, newest first


def test_a_bad_cursor_is_refused(resident, as_user):
    response = as_user(resident).get("/api/v1/notifications/", {"cursor": "garbage"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("items", [1, 30])
def test_the_inbox_costs_the_same_queries_however_many_items(
    resident, as_user, django_assert_num_queries, items
):
    for n in range(items):
        send(resident, title=f"N{n}")
    client = as_user(resident)

    # the signed-in user, one page of items with their notifications, the unread count
    with django_assert_num_queries(3):
        page = inbox(client)

    assert len(page["results"]) == min(items, 20)


def test_a_resident_marks_one_notification_read(resident, as_user):
    first, second = send(resident, title="Satu"), send(resident, title="Dua")
    item = item_of(resident, first)

    response = as_user(resident).post(f"/api/v1/notifications/{item.public_id}/read/")

    assert response.status_code == 204
    item.refresh_from_db()
    assert item.read_at is not None
    assert item_of(resident, second).read_at is None
    page = inbox(as_user(resident))
    assert page["unread_count"] == 1
    read = next(i for i in page["results"] if i["id"] == str(item.public_id))
    assert read["read_at"] is not None


def test_marking_a_read_notification_read_again_keeps_when_it_was_read(resident, as_user):
    item = item_of(resident, send(resident))
    client = as_user(resident)
    client.post(f"/api/v1/notifications/{item.public_id}/read/")
    item.refresh_from_db()
    first_read = item.read_at

    response = client.post(f"/api/v1/notifications/{item.public_id}/read/")

    assert response.status_code == 204
    item.refresh_from_db()
    assert item.read_at == first_read


def test_nobody_marks_another_residents_notification_read(resident, other_resident, as_user):
    item = item_of(other_resident, send(other_resident))

    response = as_user(resident).post(f"/api/v1/notifications/{item.public_id}/read/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.parametrize(
    "item_id", ["8c3f6d5e-0b7a-4f51-9d0e-3b2a1c4d5e6f", "not-a-uuid", "1", "0" * 40]
)
def test_an_unknown_or_malformed_notification_id_is_not_found(resident, as_user, item_id):
    response = as_user(resident).post(f"/api/v1/notifications/{item_id}/read/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_resident_marks_everything_read_and_only_their_own(resident, other_resident, as_user):
    send(resident)
    send(resident)
    send(other_resident)

    response = as_user(resident).post("/api/v1/notifications/read-all/")

    assert response.status_code == 204
    assert not InboxItem.objects.filter(user=resident, read_at__isnull=True).exists()
    assert InboxItem.objects.get(user=other_resident).read_at is None
    assert inbox(as_user(resident))["unread_count"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/notifications/8c3f6d5e-0b7a-4f51-9d0e-3b2a1c4d5e6f/read/"),
        ("post", "/api/v1/notifications/read-all/"),
    ],
)
def test_every_inbox_endpoint_refuses_anonymous_callers(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("method", ["put", "delete"])
def test_the_inbox_accepts_only_its_methods(resident, as_user, method):
    response = getattr(as_user(resident), method)("/api/v1/notifications/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_broadcast_lands_in_the_inbox_of_each_device_owner_once(
    resident, other_resident, as_user, django_capture_on_commit_callbacks
):
    phone, tablet = DeviceFactory(user=resident), DeviceFactory(user=resident)
    DeviceFactory(user=other_resident)

    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            kind="info",
            title={"id": "Pemeliharaan"},
            body={"id": "Layanan terganggu malam ini"},
            devices=[phone, tablet],
        )

    assert [i["title"] for i in inbox(as_user(resident))["results"]] == ["Pemeliharaan"]
    assert inbox(as_user(other_resident))["results"] == []
    notification.refresh_from_db()
    assert (notification.targeted, notification.sent) == (2, 2)
