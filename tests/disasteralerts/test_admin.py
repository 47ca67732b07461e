"""The officers' admin: compose from a template, the approval queue, the warning's page with its
TEST/ACTUAL banner, approve (never by the author), one-click cancel, the delivery dashboard."""

import json

import pytest
from django.utils import timezone

from disasteralerts.models import Alert, State
from tests.disasteralerts.conftest import GAMBIR, MONAS, MONAS_SQUARE

pytestmark = pytest.mark.django_db

ADMIN = "/admin/disasteralerts/alert/"


def compose_post(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "hazard": "flood",
        "status": "Actual",
        "area_description": "Gambir",
        "kelurahan": [GAMBIR],
        "geojson": json.dumps(
            {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in MONAS_SQUARE]]}
        ),
        "category": ["Met"],
        "response_type": ["Evacuate"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "event": "Banjir",
        "effective": now.strftime("%Y-%m-%d %H:%M:%S"),
        "expires": (now + timezone.timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S"),
        "headline_id": "Banjir di Gambir",
        "short_text_id": "Banjir di Gambir. Segera mengungsi.",
        "headline_en": "Flood in Gambir",
    }
    data.update(overrides)
    return data


def test_a_template_prefills_the_compose_form(cast):
    page = cast.admin_client(cast.alert_author).get(f"{ADMIN}compose/?hazard=tsunami")

    assert page.status_code == 200
    assert "PERINGATAN TSUNAMI: {area}" in page.content.decode()
    assert "TSUNAMI WARNING: {area}" in page.content.decode()


def test_an_author_composes_a_draft_with_kelurahan_and_a_pasted_polygon(cast):
    response = cast.admin_client(cast.alert_author).post(f"{ADMIN}compose/", compose_post())

    alert = Alert.objects.get()
    assert response.status_code == 302
    assert alert.author == cast.alert_author and alert.state == State.DRAFT
    area = alert.areas.get()
    assert area.kelurahan == [GAMBIR]
    assert area.polygons == [MONAS_SQUARE]
    assert alert.infos.get(language="en").headline == "Flood in Gambir"


@pytest.mark.parametrize(
    "overrides",
    [
        {"geojson": "{not json"},
        {"geojson": '{"type": "Point", "coordinates": [106.8, -6.2]}'},
        {"geojson": json.dumps({"type": "Polygon", "coordinates": [[[106.82, -6.17]] * 3]})},
        {"short_text_id": "x" * 91},
        {"expires": "2000-01-01 00:00:00"},
    ],
)
def test_bad_compose_input_shows_the_form_again_and_stores_nothing(cast, overrides):
    response = cast.admin_client(cast.alert_author).post(
        f"{ADMIN}compose/", compose_post(**overrides)
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Alert.objects.exists()


def test_an_approver_cannot_compose(cast):
    assert cast.admin_client(cast.alert_approver).get(f"{ADMIN}compose/").status_code == 403


def test_staff_without_an_alert_role_see_nothing(cast, draft):
    client = cast.admin_client(cast.triage_officer)
    alert = draft()

    assert client.get(f"{ADMIN}queue/").status_code == 403
    assert client.get(f"{ADMIN}{alert.pk}/change/").status_code == 403
    assert client.post(f"{ADMIN}{alert.pk}/step/approve/").status_code == 403


def test_the_queue_shows_author_preview_count_and_a_test_marker(cast, draft, device_at):
    device_at(MONAS, test=True)
    device_at(MONAS)
    for status in ("Actual", "Test"):
        alert = draft(status=status)
        alert.state, alert.submitted_at = State.PENDING, timezone.now()
        alert.save()

    page = cast.admin_client(cast.alert_approver).get(f"{ADMIN}queue/").content.decode()

    assert page.count(cast.alert_author.name) == 2
    assert "ACTUAL" in page and "TEST" in page
    assert '<td class="preview-count">2</td>' in page  # the Actual one: every device
    assert '<td class="preview-count">1</td>' in page  # the Test one: test devices only


def test_the_warning_page_shows_the_banner(cast, draft):
    test_alert = draft(status="Exercise")

    page = cast.admin_client(cast.alert_author).get(f"{ADMIN}{test_alert.pk}/change/")
    english = cast.admin_client(cast.alert_author).get(
        f"{ADMIN}{test_alert.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "EXERCISE: hanya perangkat uji, tidak pernah ke publik." in page.content.decode()
    assert "EXERCISE: test devices only, never the public." in english.content.decode()


def test_the_author_cannot_approve_in_the_admin_and_a_second_officer_can(
    cast, draft, device_at, django_capture_on_commit_callbacks
):
    device_at(MONAS)
    alert = draft()
    author = cast.admin_client(cast.alert_author)
    author.post(f"{ADMIN}{alert.pk}/step/submit/")
    page = author.get(f"{ADMIN}{alert.pk}/change/").content.decode()
    assert "petugas kedua harus menyetujuinya" in page
    assert "step/approve/" not in page

    author.post(f"{ADMIN}{alert.pk}/step/approve/")
    alert.refresh_from_db()
    assert alert.state == State.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        cast.admin_client(cast.alert_approver).post(f"{ADMIN}{alert.pk}/step/approve/")
    alert.refresh_from_db()
    assert alert.state == State.BROADCAST and alert.approver == cast.alert_approver

    dashboard = cast.admin_client(cast.alert_author).get(f"{ADMIN}{alert.pk}/delivery/")
    assert '<td class="sent">1</td>' in dashboard.content.decode()


def test_cancel_is_one_click(cast, broadcast):
    alert = broadcast()

    response = cast.admin_client(cast.alert_author).post(f"{ADMIN}{alert.pk}/step/cancel/")

    alert.refresh_from_db()
    assert alert.state == State.CANCELLED
    cancel = Alert.objects.get(msg_type="Cancel")
    assert response["Location"].endswith(f"{ADMIN}{cancel.pk}/change/")


def test_the_changelist_marks_test_and_actual(cast, broadcast):
    broadcast(status="Test")
    broadcast()

    page = cast.admin_client(cast.alert_approver).get(ADMIN).content.decode()

    assert "TEST" in page and "ACTUAL" in page
