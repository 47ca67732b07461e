"""The triage screens as officers use them: the list, its filters and actions, the change
page's moves and replies, who sees what, and the dashboard."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Event, ResponseTemplate, Status
from jaki.accounts.models import Role
from jaki.audit.models import AuditEntry
from jaki.media.services import media_prepare
from jaki.notifications.models import InboxItem
from tests.accounts.factories import StaffFactory, UserFactory
from tests.complaints import factories
from tests.complaints.conftest import KOJA
from tests.media import images
from tests.media.conftest import media_root  # noqa: F401  (autouse: photos in a tmp folder)

LIST = "/admin/complaints/complaint/"
DASHBOARD = LIST + "dashboard/"


def change_url(complaint: Complaint) -> str:
    return f"{LIST}{complaint.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def tickets_in(response) -> set[str]:
    return {c.ticket for c in response.context["cl"].result_list}


def act(client, action: str, complaints, query: str = "", **fields):
    data = {"action": action, "_selected_action": [c.pk for c in complaints], **fields}
    return client.post(LIST + query, data, follow=True)


def overdue(complaint: Complaint) -> Complaint:
    """The coordination clock ran out an hour ago."""
    Complaint.objects.filter(pk=complaint.pk).update(
        coordination_due_at=timezone.now() - timedelta(hours=1)
    )
    return complaint


def verified(complaint: Complaint, cast) -> Complaint:
    return services.complaint_transition(
        actor=cast.triage_officer, complaint=complaint, to=Status.VERIFIED
    )


def dispatched(complaint: Complaint, cast) -> Complaint:
    return services.complaint_transition(
        actor=cast.triage_officer,
        complaint=verified(complaint, cast),
        to=Status.DISPATCHED,
        organisation=cast.orgs.dinas_bina_marga,
    )


@pytest.fixture
def template(db):
    return ResponseTemplate.objects.create(
        title="Sudah diperbaiki",
        status=Status.RESOLVED,
        text_id="Jalan sudah diperbaiki. Terima kasih.",
        text_en="The road has been repaired. Thank you.",
    )


# --- the list -------------------------------------------------------------------------------


def test_the_triage_list_filters_by_status_overdue_and_kota(cast):
    late = overdue(factories.complaint(reporter=cast.resident, description="Lubang lama"))
    fresh = factories.complaint(reporter=cast.resident, description="Lubang baru")
    checked = verified(factories.complaint(reporter=cast.resident), cast)
    utara = factories.complaint(reporter=cast.resident, at=KOJA)
    client = cast.admin_client(cast.superuser)

    assert tickets_in(client.get(LIST + "?overdue=yes")) == {late.ticket}
    assert tickets_in(client.get(LIST + "?overdue=no")) == {
        fresh.ticket,
        checked.ticket,
        utara.ticket,
    }
    assert tickets_in(client.get(LIST + "?status__exact=verified")) == {checked.ticket}
    assert tickets_in(client.get(LIST + f"?kota={utara.kota_id}")) == {utara.ticket}
    assert tickets_in(client.get(LIST + f"?kecamatan={utara.kecamatan_id}")) == {utara.ticket}
    assert tickets_in(client.get(LIST + f"?kelurahan={late.kelurahan_id}")) == {
        late.ticket,
        fresh.ticket,
        checked.ticket,
    }
    org = cast.orgs.kel_gambir.pk
    assert utara.ticket not in tickets_in(client.get(LIST + f"?organisation={org}"))
    assert len(tickets_in(client.get(LIST + "?submitted_at__gte=2000-01-01T00:00:00%2B07:00"))) == 4


def test_the_kelurahan_filter_lists_the_places_of_the_chosen_kecamatan(cast):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.admin_client(cast.superuser)

    without = client.get(LIST).content.decode()
    within = client.get(LIST + f"?kecamatan={complaint.kecamatan_id}").content.decode()

    assert f"kelurahan={complaint.kelurahan_id}" not in without
    assert f"kelurahan={complaint.kelurahan_id}" in within


def test_bad_filter_values_are_not_a_server_error(cast):
    factories.complaint(reporter=cast.resident)
    client = cast.admin_client(cast.superuser)

    for query in ("?kota=abc", "?organisation=x", "?overdue=maybe", "?o=99", "?kelurahan=-1"):
        assert client.get(LIST + query).status_code in (200, 302), query


def test_it_searches_tickets_and_descriptions(cast):
    pothole = factories.complaint(reporter=cast.resident, description="Lubang di Jalan Medan")
    tree = factories.complaint(reporter=cast.resident, description="Pohon tumbang di taman")
    client = cast.admin_client(cast.superuser)

    assert tickets_in(client.get(LIST, {"q": pothole.ticket.lower()})) == {pothole.ticket}
    assert tickets_in(client.get(LIST, {"q": "tumbang"})) == {tree.ticket}


def test_it_orders_by_the_deadline_that_runs_now(cast):
    later = factories.complaint(reporter=cast.resident)
    sooner = overdue(factories.complaint(reporter=cast.resident))
    client = cast.admin_client(cast.superuser)
    column = list(client.get(LIST).context["cl"].list_display).index("due_display")

    response = client.get(LIST, {"o": str(column)})

    assert [c.ticket for c in response.context["cl"].result_list] == [sooner.ticket, later.ticket]
    assert "overdue" in response.content.decode() or "terlambat" in response.content.decode()


def test_the_list_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    client = cast.admin_client(cast.triage_officer)
    factories.complaint(reporter=cast.resident)
    client.get(LIST)  # warm the session and the user's scope
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for __ in range(8):
        factories.complaint(reporter=cast.resident)

    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST)

    assert len(response.context["cl"].result_list) == 9


def test_the_list_reads_the_officers_roles_once(cast):
    """The admin asks for view permission many times a page: the roles come in one query."""
    client = cast.admin_client(cast.triage_officer)
    factories.complaint(reporter=cast.resident)
    client.get(LIST)

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)

    sqls = [q["sql"] for q in queries.captured_queries]
    roles = [sql for sql in sqls if "accounts_user_groups" in sql and "auth_permission" not in sql]
    assert len(roles) == 1


def test_photos_show_as_signed_thumbnails_never_a_private_path(cast):
    complaint = factories.complaint(
        reporter=cast.resident, photos=[media_prepare(images.encoded("JPEG"))]
    )
    photo = complaint.photos.get()

    page = cast.admin_client(cast.superuser).get(LIST).content.decode()

    assert "/media/s/" in page
    assert photo.thumbnail_name not in page


# --- actions --------------------------------------------------------------------------------


def test_verify_moves_through_the_service_with_an_event_and_an_audit_row(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = act(cast.admin_client(cast.triage_officer), "verify", [complaint])

    complaint.refresh_from_db()
    assert complaint.status == Status.VERIFIED
    assert complaint.events.filter(kind=Event.Kind.STATUS, to_status=Status.VERIFIED).exists()
    assert AuditEntry.objects.filter(
        action="complaints.moved", obj_id=str(complaint.public_id), actor=cast.triage_officer
    ).exists()
    assert any(complaint.ticket in m for m in messages_of(response))


def test_dispatch_asks_for_the_agency_then_sends_it_there(cast):
    complaint = verified(factories.complaint(reporter=cast.resident), cast)
    client = cast.admin_client(cast.triage_officer)

    page = act(client, "dispatch_to", [complaint])
    assert page.status_code == 200
    assert "Dinas Bina Marga" in page.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).status == Status.VERIFIED

    act(client, "dispatch_to", [complaint], apply="1", organisation=cast.orgs.dinas_bina_marga.pk)

    complaint.refresh_from_db()
    assert complaint.status == Status.DISPATCHED
    assert complaint.organisation == cast.orgs.dinas_bina_marga
    assert AuditEntry.objects.filter(action="complaints.moved", details__to="dispatched").exists()


def test_mark_duplicate_takes_the_original_by_ticket(cast):
    original = factories.complaint(reporter=cast.resident)
    repeat = factories.complaint(reporter=UserFactory())
    client = cast.admin_client(cast.triage_officer)

    wrong = act(client, "mark_duplicate", [repeat], apply="1", original="JKT-1999-000001")
    assert "JKT-1999-000001" not in str(Complaint.objects.get(pk=repeat.pk).duplicate_of)
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()

    act(client, "mark_duplicate", [repeat], apply="1", original=original.ticket)

    repeat.refresh_from_db()
    assert repeat.status == Status.DUPLICATE
    assert repeat.duplicate_of == original


def test_reject_needs_a_reason_and_tells_the_reporter(cast):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.admin_client(cast.triage_officer)

    act(client, "reject", [complaint], apply="1", text="")
    assert Complaint.objects.get(pk=complaint.pk).status == Status.SUBMITTED

    act(client, "reject", [complaint], apply="1", text="Bukan wewenang Pemprov.")

    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    assert complaint.rejection_reason == "Bukan wewenang Pemprov."
    # The rejection (a submit tells nobody).
    assert InboxItem.objects.filter(user=cast.resident).count() == 1


def test_a_refused_row_is_a_message_and_the_others_still_move(cast):
    fresh = factories.complaint(reporter=cast.resident)
    already = verified(factories.complaint(reporter=cast.resident), cast)

    response = act(cast.admin_client(cast.triage_officer), "verify", [fresh, already])

    assert response.status_code == 200
    assert Complaint.objects.get(pk=fresh.pk).status == Status.VERIFIED
    texts = messages_of(response)
    assert any(fresh.ticket in t for t in texts)
    assert any(t.startswith(already.ticket + ":") for t in texts)


def test_an_agency_officer_is_refused_triage_with_a_message_not_an_error(cast):
    complaint = dispatched(factories.complaint(reporter=cast.resident), cast)

    response = act(
        cast.admin_client(cast.agency_officer), "reject", [complaint], apply="1", text="x"
    )

    assert response.status_code == 200
    assert Complaint.objects.get(pk=complaint.pk).status == Status.DISPATCHED
    assert any(t.startswith(complaint.ticket + ":") for t in messages_of(response))


# --- the change page ------------------------------------------------------------------------


def test_the_change_page_shows_the_timeline_the_map_and_a_masked_reporter(cast):
    complaint = factories.complaint(reporter=cast.resident)
    services.complaint_comment(
        actor=cast.triage_officer, complaint=complaint, text="Cek lokasi besok", public=False
    )

    page = cast.admin_client(cast.triage_officer).get(change_url(complaint)).content.decode()

    assert "Cek lokasi besok" in page
    assert "openstreetmap.org" in page
    assert cast.resident.masked_phone in page
    assert cast.resident.phone not in page
    assert cast.resident.name not in page
    assert 'name="description"' not in page  # read-only: the workflow owns it


def test_staff_reply_from_a_template_and_add_an_internal_note(cast, template):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.admin_client(cast.triage_officer)
    reply = f"{change_url(complaint).removesuffix('change/')}reply/"

    client.post(reply, {"template": template.pk, "text": "", "public": "1"})
    client.post(reply, {"text": "Koordinasi dengan RT", "public": "0"})

    events = list(complaint.events.filter(kind__in=[Event.Kind.COMMENT, Event.Kind.NOTE]))
    assert [(e.text, e.public) for e in events] == [
        (template.text_id, True),
        ("Koordinasi dengan RT", False),
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"complaints.replied", "complaints.noted"} <= actions


def test_the_agency_resolves_with_a_template_reply(cast, template):
    complaint = dispatched(factories.complaint(reporter=cast.resident), cast)
    client = cast.admin_client(cast.agency_officer)
    move = f"{change_url(complaint).removesuffix('change/')}move/"

    client.post(move, {"to": Status.IN_PROGRESS, "expected": Status.DISPATCHED})
    response = client.post(
        move, {"to": Status.RESOLVED, "expected": Status.IN_PROGRESS, "template": template.pk}
    )

    complaint.refresh_from_db()
    assert response.status_code == 302
    assert complaint.status == Status.RESOLVED
    assert complaint.response == template.text_id
    assert InboxItem.objects.filter(
        user=cast.resident, notification__body_id=template.text_id
    ).exists()


def test_a_stale_move_or_a_missing_response_is_a_message(cast):
    complaint = dispatched(factories.complaint(reporter=cast.resident), cast)
    client = cast.admin_client(cast.agency_officer)
    move = f"{change_url(complaint).removesuffix('change/')}move/"

    stale = client.post(move, {"to": Status.IN_PROGRESS, "expected": Status.VERIFIED}, follow=True)
    client.post(move, {"to": Status.IN_PROGRESS, "expected": Status.DISPATCHED})
    bare = client.post(move, {"to": Status.RESOLVED, "expected": Status.IN_PROGRESS}, follow=True)
    nonsense = client.post(move, {"to": "flying", "expected": "x"}, follow=True)

    assert stale.status_code == bare.status_code == nonsense.status_code == 200
    assert messages_of(stale) and messages_of(bare) and messages_of(nonsense)
    assert Complaint.objects.get(pk=complaint.pk).status == Status.IN_PROGRESS
    assert client.get(move).status_code == 405


# --- who sees what --------------------------------------------------------------------------


def test_an_agency_officer_sees_only_what_was_sent_to_their_organisation(cast):
    sent = dispatched(factories.complaint(reporter=cast.resident), cast)
    kept = factories.complaint(reporter=cast.resident)
    stranger = StaffFactory(role=Role.AGENCY_OFFICER, organisation=cast.orgs.dinas_kominfotik)

    assert tickets_in(cast.admin_client(cast.agency_officer).get(LIST)) == {sent.ticket}
    assert cast.admin_client(cast.agency_officer).get(change_url(kept)).status_code == 404
    other = cast.admin_client(stranger)
    assert tickets_in(other.get(LIST)) == set()
    assert other.get(change_url(sent)).status_code == 404
    move = f"{change_url(sent).removesuffix('change/')}move/"
    assert other.post(move, {"to": Status.IN_PROGRESS}).status_code == 404
    assert Complaint.objects.get(pk=sent.pk).status == Status.DISPATCHED


def test_triage_sees_its_subtree_and_the_city_desk_sees_all(cast):
    pusat = factories.complaint(reporter=cast.resident)
    utara = factories.complaint(reporter=cast.resident, at=KOJA)
    city_desk = StaffFactory(role=Role.COMPLAINT_TRIAGE, organisation=None)

    assert tickets_in(cast.admin_client(cast.kota_triage_officer).get(LIST)) == {pusat.ticket}
    assert cast.admin_client(cast.triage_officer).get(change_url(utara)).status_code == 404
    assert tickets_in(cast.admin_client(city_desk).get(LIST)) == {pusat.ticket, utara.ticket}


def test_staff_without_a_complaint_role_cannot_open_the_screens(cast):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.admin_client(cast.staff_without_role)

    assert client.get(LIST).status_code == 403
    assert client.get(change_url(complaint)).status_code in (403, 404)
    assert client.get(DASHBOARD).status_code in (403, 404)


# --- the dashboard --------------------------------------------------------------------------


def test_the_dashboard_counts_within_the_viewers_scope(cast):
    overdue(factories.complaint(reporter=cast.resident))
    factories.complaint(reporter=cast.resident)
    verified(factories.complaint(reporter=cast.resident), cast)
    factories.complaint(reporter=cast.resident, at=KOJA)

    response = cast.admin_client(cast.kota_triage_officer).get(DASHBOARD)

    counts = response.context["counts"]
    assert {value: n for value, __, n in counts["by_status"]}["submitted"] == 2
    assert counts["overdue"] == 1
    assert [(r["kota__code"], r["open"], r["overdue"]) for r in counts["by_kota"]] == [
        ("31.71", 3, 1)
    ]
    assert [(r["organisation__code"], r["open"]) for r in counts["by_organisation"]] == [
        (cast.orgs.kel_gambir.code, 3)
    ]
    assert 'class="dash-bar' in response.content.decode()


def test_the_dashboard_is_linked_from_the_admin_index(cast):
    page = cast.admin_client(cast.triage_officer).get("/admin/").content.decode()

    assert DASHBOARD in page


# --- the catalogue --------------------------------------------------------------------------


def test_categories_with_questions_and_templates_open_in_the_admin(cast, template):
    client = cast.admin_client(cast.superuser)
    category = factories.category("pohon")

    assert client.get(f"/admin/complaints/category/{category.pk}/change/").status_code == 200
    assert client.get("/admin/complaints/responsetemplate/").status_code == 200
    assert (
        cast.admin_client(cast.triage_officer).get("/admin/complaints/category/").status_code == 200
    )
