"""Notifications in the admin: read-only records, devices with masked owners, a test push."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jaki.notifications import services
from jaki.notifications.models import Device, InboxItem, Notification
from tests.accounts.factories import UserFactory
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db

DEVICES = "/admin/notifications/device/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(phone="+6281100000000", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def resident():
    return UserFactory(phone="+6281234567890", name="Siti")


def page_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def notification(**kwargs) -> Notification:
    return services.notify(
        kind=kwargs.pop("kind", "info"),
        title={"id": kwargs.pop("title", "Banjir di Gambir"), "en": "Flood in Gambir"},
        body={"id": "Hindari Jl. Merdeka"},
        **kwargs,
    )


def test_the_notification_list_shows_delivery_counts(admin_client, resident):
    sent = notification(users=[resident], source="complaints")
    Notification.objects.filter(pk=sent.pk).update(targeted=7, sent=5, failed=1, pruned=1)

    page = page_of(admin_client.get("/admin/notifications/notification/"))

    assert "Banjir di Gambir" in page
    assert "complaints" in page
    for field, count in (("targeted", 7), ("sent", 5), ("failed", 1), ("pruned", 1)):
        assert f'<td class="field-{field}">{count}</td>' in page


def test_notifications_are_searched_by_title_and_filtered(admin_client, resident):
    notification(users=[resident], title="Banjir di Gambir", kind="alert")
    notification(users=[resident], title="Jalan berlubang", kind="complaint.updated")

    page = page_of(
        admin_client.get(
            "/admin/notifications/notification/",
            {"q": "banjir", "kind": "alert", "state__exact": "queued", "is_test__exact": "0"},
        )
    )

    assert "Banjir di Gambir" in page
    assert "Jalan berlubang" not in page


def test_notifications_cannot_be_added_changed_or_deleted(admin_client, resident):
    sent = notification(users=[resident])
    change_url = f"/admin/notifications/notification/{sent.pk}/change/"

    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403
    detail = page_of(admin_client.get(change_url))
    assert 'name="title_id"' not in detail  # shown, not editable
    assert "Banjir di Gambir" in detail
    assert admin_client.post(change_url, {"title_id": "Diubah"}).status_code == 403
    assert admin_client.post(f"{change_url[:-7]}delete/", {"post": "yes"}).status_code == 403
    sent.refresh_from_db()
    assert sent.title_id == "Banjir di Gambir"


def test_inbox_items_and_deliveries_are_read_only_and_mask_owners(
    admin_client, resident, django_capture_on_commit_callbacks
):
    DeviceFactory(user=resident)
    with django_capture_on_commit_callbacks(execute=True):
        notification(users=[resident])
    item = InboxItem.objects.get()

    inbox_page = page_of(admin_client.get("/admin/notifications/inboxitem/"))
    deliveries_page = page_of(
        admin_client.get("/admin/notifications/delivery/", headers={"Accept-Language": "en"})
    )

    assert "+62812****7890" in inbox_page
    assert "+6281234567890" not in inbox_page
    assert '<td class="field-status">Sent</td>' in deliveries_page
    assert admin_client.get("/admin/notifications/inboxitem/add/").status_code == 403
    assert admin_client.get("/admin/notifications/delivery/add/").status_code == 403
    detail = page_of(admin_client.get(f"/admin/notifications/inboxitem/{item.pk}/change/"))
    assert "+6281234567890" not in detail


def test_staff_find_an_inbox_item_by_the_number_as_people_say_it(admin_client, resident):
    other = UserFactory(phone="+6281298765432")
    notification(users=[resident], title="Untuk Siti")
    notification(users=[other], title="Untuk Budi")

    page = page_of(admin_client.get("/admin/notifications/inboxitem/", {"q": "0812-3456-7890"}))

    assert "Untuk Siti" in page
    assert "Untuk Budi" not in page


def test_the_device_list_masks_owners_and_truncates_tokens(admin_client, resident):
    device = DeviceFactory(user=resident)

    page = page_of(admin_client.get(DEVICES))

    assert "+62812****7890" in page
    assert "+6281234567890" not in page
    assert device.token not in page
    assert device.token[-6:] in page


def test_the_device_list_costs_the_same_queries_however_many_devices(admin_client, demo_regions):
    from jaki.regions.models import Region

    gambir = Region.objects.get(code="31.71.01.1001")
    DeviceFactory(kelurahan=gambir)
    with CaptureQueriesContext(connection) as few:
        page_of(admin_client.get(DEVICES))
    DeviceFactory.create_batch(20, kelurahan=gambir)
    with CaptureQueriesContext(connection) as many:
        page_of(admin_client.get(DEVICES))

    assert len(many) == len(few)
    assert not any('"boundary"' in q["sql"] for q in many.captured_queries)


def test_staff_find_devices_by_the_owners_number_as_people_say_it(admin_client, resident):
    DeviceFactory(user=resident, app_version="siti-phone")
    DeviceFactory(user=UserFactory(phone="+6281298765432"), app_version="budi-phone")

    response = admin_client.get(DEVICES, {"q": "0812-3456-7890"})

    devices = list(response.context["cl"].result_list)
    assert [d.app_version for d in devices] == ["siti-phone"]


def test_staff_find_devices_by_kelurahan_name_or_code(admin_client, demo_regions):
    from jaki.regions.models import Region

    gambir = Region.objects.get(code="31.71.01.1001")
    DeviceFactory(kelurahan=gambir, app_version="in-gambir")
    DeviceFactory(app_version="nowhere")

    by_code = admin_client.get(DEVICES, {"q": "31.71.01.1001"}).context["cl"].result_list
    by_name = admin_client.get(DEVICES, {"q": gambir.name}).context["cl"].result_list

    assert [d.app_version for d in by_code] == ["in-gambir"]
    assert [d.app_version for d in by_name] == ["in-gambir"]


def test_the_device_filters_work(admin_client):
    DeviceFactory(platform="ios", is_test=True, language="en", app_version="tester")
    DeviceFactory(platform="android", app_version="ordinary")

    response = admin_client.get(
        DEVICES,
        {
            "platform__exact": "ios",
            "is_active__exact": "1",
            "is_test__exact": "1",
            "language": "en",
        },
    )

    assert [d.app_version for d in response.context["cl"].result_list] == ["tester"]


def test_staff_mark_a_test_device_and_nothing_else_changes(admin_client, resident):
    device = DeviceFactory(user=resident, language="id")

    response = admin_client.post(
        f"{DEVICES}{device.pk}/change/", {"is_test": "on", "language": "en", "is_active": ""}
    )

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.is_test
    assert device.language == "id"
    assert device.is_active
    assert admin_client.get(f"{DEVICES}add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_staff_send_a_test_push_to_selected_devices(admin_client, resident):
    chosen = DeviceFactory.create_batch(2, user=resident)
    DeviceFactory()  # not selected

    response = admin_client.post(
        DEVICES,
        {"action": "send_test_push", "_selected_action": [d.pk for d in chosen]},
        follow=True,
        headers={"Accept-Language": "en"},
    )

    sent = Notification.objects.get()
    assert (sent.kind, sent.source, sent.inbox) == ("test", "admin", False)
    assert sorted(sent.audience["devices"]) == sorted(d.pk for d in chosen)
    assert (sent.targeted, sent.sent, sent.failed, sent.pruned) == (2, 2, 0, 0)
    assert not InboxItem.objects.exists()
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == "Test push to 2 devices: sent 2, failed 0, pruned 0."


@pytest.mark.django_db(transaction=True)
def test_a_test_push_to_inactive_devices_reports_that_nothing_was_sent(admin_client):
    gone = DeviceFactory(is_active=False)

    response = admin_client.post(
        DEVICES, {"action": "send_test_push", "_selected_action": [gone.pk]}, follow=True
    )

    sent = Notification.objects.get()
    assert (sent.targeted, sent.sent) == (0, 0)
    (message,) = list(get_messages(response.wsgi_request))
    assert message.level_tag == "warning"


def test_a_test_push_is_refused_for_more_devices_than_a_test_needs(admin_client):
    devices = DeviceFactory.create_batch(101)

    response = admin_client.post(
        DEVICES,
        {"action": "send_test_push", "_selected_action": [d.pk for d in devices]},
        follow=True,
    )

    assert not Notification.objects.exists()
    (message,) = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"


def test_staff_without_the_right_to_change_devices_cannot_send_a_test_push(client):
    viewer = UserFactory(phone="+6281100000001", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_device"))
    client.force_login(viewer)
    device = DeviceFactory()

    page = page_of(client.get(DEVICES))
    client.post(DEVICES, {"action": "send_test_push", "_selected_action": [device.pk]})

    assert "send_test_push" not in page
    assert not Notification.objects.exists()
    assert Device.objects.get().is_active
