"""The workflow: draft, submit, two-person approval, broadcast, update, cancel, expiry, audit."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from disasteralerts import selectors, services
from disasteralerts.models import Alert, State
from jaki.accounts.models import Role
from jaki.audit.models import AuditEntry
from jaki.notifications.models import Delivery, Notification
from tests.accounts.factories import StaffFactory
from tests.disasteralerts.conftest import CIKINI, GAMBIR, GAMBIR_EDGE, KOJA, MONAS

pytestmark = pytest.mark.django_db


def reached(notification: Notification | None) -> set[int]:
    if notification is None:
        return set()
    return set(
        Delivery.objects.filter(notification=notification, status="sent").values_list(
            "device_id", flat=True
        )
    )


def test_a_draft_is_stored_with_one_info_per_language_and_its_areas(draft):
    alert = draft()

    assert alert.state == State.DRAFT
    assert alert.identifier.startswith("jaki-")
    assert sorted(i.language for i in alert.infos.all()) == ["en", "id"]
    assert alert.infos.get(language="en").urgency == "Immediate"
    assert alert.areas.get().polygons[0][0] == [-6.1730, 106.8245]
    assert AuditEntry.objects.filter(action="alert.drafted", obj_id=str(alert.public_id)).exists()


def test_the_author_submits_and_a_second_officer_approves_and_it_is_broadcast(
    cast, draft, device_at, django_capture_on_commit_callbacks
):
    inside, _elsewhere = device_at(MONAS), device_at(KOJA)
    alert = draft()

    services.alert_submit(alert=alert, user=cast.alert_author)
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_approve(alert=alert, user=cast.alert_approver)

    alert.refresh_from_db()
    assert alert.state == State.BROADCAST
    assert alert.approver == cast.alert_approver
    assert alert.sent is not None
    assert reached(alert.notification) == {inside.pk}
    assert alert.notification.priority == "high"
    assert alert.notification.collapse_key == alert.identifier
    assert 11 * 3600 < alert.notification.ttl_seconds <= 12 * 3600
    actions = list(
        AuditEntry.objects.filter(obj_id=str(alert.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["alert.drafted", "alert.submitted", "alert.approved"]


def test_it_refuses_approval_by_the_author_even_with_the_approver_role(cast, draft):
    both = StaffFactory(organisation=cast.orgs.bpbd, role=Role.ALERT_AUTHOR)
    both.groups.add(*cast.alert_approver.groups.all())
    alert = services.alert_draft(author=both, **_fields())
    services.alert_submit(alert=alert, user=both)

    with pytest.raises(services.AuthorCannotApprove):
        services.alert_approve(alert=alert, user=both)

    alert.refresh_from_db()
    assert alert.state == State.PENDING and alert.approver is None


def _fields(**overrides):
    from tests.disasteralerts.conftest import draft_fields

    return draft_fields(**overrides)


@pytest.mark.postgres
def test_the_database_refuses_an_approver_who_is_the_author(cast, draft):
    alert = draft()

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(approver=cast.alert_author)


def test_a_second_approval_is_a_conflict(broadcast, cast):
    alert = broadcast()
    other = StaffFactory(organisation=cast.orgs.bpbd, role=Role.ALERT_APPROVER)

    with pytest.raises(services.WrongState) as error:
        services.alert_approve(alert=alert, user=other)

    assert error.value.status_code == 409


def test_only_the_author_may_submit(cast, draft):
    alert = draft()

    with pytest.raises(services.NotPermitted):
        services.alert_submit(alert=alert, user=cast.alert_approver)


def test_a_draft_cannot_be_approved_before_it_is_submitted(cast, draft):
    with pytest.raises(services.WrongState):
        services.alert_approve(alert=draft(), user=cast.alert_approver)


def test_devices_in_a_covered_kelurahan_are_reached_outside_the_polygon(broadcast, device_at):
    in_polygon, in_gambir, in_cikini = device_at(MONAS), device_at(GAMBIR_EDGE), device_at(CIKINI)
    unknown_place = device_at(None)

    alert = broadcast()

    assert GAMBIR in alert.covered_kelurahan
    assert reached(alert.notification) == {in_polygon.pk, in_gambir.pk}
    assert in_cikini.pk not in reached(alert.notification)
    assert unknown_place.pk not in reached(alert.notification)


def test_a_circle_reaches_the_devices_inside_it(broadcast, device_at):
    near, far = device_at(CIKINI), device_at(KOJA)

    alert = broadcast(
        areas=[
            {
                "description": "Cikini",
                "circles": [{"lat": CIKINI[0], "lon": CIKINI[1], "radius_km": 0.3}],
            }
        ]
    )

    assert near.pk in reached(alert.notification)
    assert far.pk not in reached(alert.notification)


def test_the_preview_count_matches_the_broadcast(cast, draft, device_at, broadcast):
    device_at(MONAS), device_at(GAMBIR_EDGE), device_at(KOJA)
    alert = draft()

    assert selectors.alert_preview_count(alert=alert) == 2


@pytest.mark.parametrize("status", ["Test", "Exercise"])
def test_test_and_exercise_alerts_reach_only_test_devices_with_a_marked_title(
    broadcast, device_at, status
):
    public, test_device = device_at(MONAS), device_at(MONAS, test=True)

    alert = broadcast(status=status)

    assert reached(alert.notification) == {test_device.pk}
    assert public.pk not in reached(alert.notification)
    assert alert.notification.title_id.startswith("[UJI] ")
    assert alert.notification.title_en.startswith("[TEST] ")
    assert alert.topic_notification is None
    assert selectors.alerts_active() == []


def test_an_urgent_city_wide_warning_also_goes_to_the_kelurahan_topics(
    broadcast, device_at, settings
):
    settings.ALERTS_TOPIC_MIN_KELURAHAN = 2
    device_at(MONAS)

    alert = broadcast(
        areas=[{"description": "Gambir dan Koja", "kelurahan": [GAMBIR, "3172041001"]}]
    )

    assert alert.topic_notification is not None
    assert alert.topic_notification.via_topic
    assert alert.topic_notification.audience == {"kelurahan": [GAMBIR, "31.72.04.1001"]}
    assert alert.topic_notification.sent == 4  # two kelurahan, two languages


def test_a_test_warning_never_goes_to_topics(broadcast, settings):
    settings.ALERTS_TOPIC_MIN_KELURAHAN = 1

    alert = broadcast(status="Test")

    assert alert.topic_notification is None


def test_an_update_references_the_original_and_reaches_its_audience(
    cast, broadcast, device_at, django_capture_on_commit_callbacks
):
    at_monas, at_cikini = device_at(MONAS), device_at(CIKINI)
    original = broadcast()
    circle = {"lat": CIKINI[0], "lon": CIKINI[1], "radius_km": 0.3}
    fields = _fields(areas=[{"description": "Cikini", "circles": [circle]}])

    update = services.alert_draft_update(original=original, author=cast.alert_author, **fields)
    services.alert_submit(alert=update, user=cast.alert_author)
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_approve(alert=update, user=cast.alert_approver)

    update.refresh_from_db()
    original.refresh_from_db()
    assert update.msg_type == "Update"
    assert list(update.references.all()) == [original]
    assert original.state == State.UPDATED
    assert reached(update.notification) == {at_monas.pk, at_cikini.pk}
    assert update.notification.collapse_key == original.notification.collapse_key


def test_a_cancel_is_one_call_by_the_author_and_reaches_the_same_devices(
    cast, broadcast, device_at, django_capture_on_commit_callbacks
):
    at_monas = device_at(MONAS)
    original = broadcast()

    with django_capture_on_commit_callbacks(execute=True):
        cancel = services.alert_cancel(alert=original, user=cast.alert_author, note="Air surut.")

    original.refresh_from_db()
    cancel.refresh_from_db()
    assert original.state == State.CANCELLED
    assert cancel.msg_type == "Cancel" and cancel.state == State.BROADCAST
    assert cancel.approver is None
    assert list(cancel.references.all()) == [original]
    assert reached(cancel.notification) == {at_monas.pk}
    assert cancel.notification.title_id.startswith("DIBATALKAN: ")
    assert selectors.alerts_active() == []
    assert AuditEntry.objects.filter(action="alert.cancelled").exists()


def test_cancelling_a_cancelled_warning_is_a_conflict(cast, broadcast):
    original = broadcast()
    services.alert_cancel(alert=original, user=cast.alert_approver)
    original.refresh_from_db()

    with pytest.raises(services.WrongState) as error:
        services.alert_cancel(alert=original, user=cast.alert_author)

    assert error.value.status_code == 409


def test_a_resident_cannot_cancel(cast, broadcast):
    with pytest.raises(services.NotPermitted):
        services.alert_cancel(alert=broadcast(), user=cast.resident)


def test_expired_warnings_leave_the_active_list_by_themselves(broadcast):
    alert = broadcast(expires=timezone.now() + timedelta(hours=1))
    assert selectors.alerts_active() == [alert]

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert selectors.alerts_active() == []
        assert services.alerts_expire() == 1

    alert.refresh_from_db()
    assert alert.state == State.EXPIRED


def test_the_active_list_filters_by_point(broadcast):
    alert = broadcast()

    assert selectors.alerts_active(lat=MONAS[0], lon=MONAS[1]) == [alert]
    assert selectors.alerts_active(lat=GAMBIR_EDGE[0], lon=GAMBIR_EDGE[1]) == [alert]
    assert selectors.alerts_active(lat=KOJA[0], lon=KOJA[1]) == []


def test_a_template_prefills_both_languages(cast):
    alert = services.alert_draft_from_template(
        hazard="flood",
        areas=[{"description": "Gambir", "kelurahan": [GAMBIR]}],
        author=cast.alert_author,
    )

    assert alert.infos.get(language="id").headline == "Peringatan banjir: Gambir"
    assert alert.infos.get(language="en").short_text == "Flood in Gambir. Evacuate now."
    assert alert.hazard == "flood" and alert.state == State.DRAFT
