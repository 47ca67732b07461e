"""A complaint's way through the admin, in a real browser: the kelurahan's triage officer
finds what is overdue and dispatches it; the agency it went to (and no other) sees it and
resolves it with a template reply; the reporter's inbox says so."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ResponseTemplate, Status
from jaki.accounts.models import Role
from tests.accounts.factories import StaffFactory
from tests.cast import PASSWORD
from tests.complaints import factories
from tests.complaints.conftest import load_map

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/admin/complaints/complaint/"


def local(phone: str) -> str:
    """The number as an officer types it: 0811-0000-1001."""
    return "0" + phone.removeprefix("+62")


def sign_in(page, person) -> None:
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("input[name=username]", local(person.phone))
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def results(page) -> str:
    return page.locator("#changelist").inner_text()


@pytest.fixture
def reported(cast):
    """Two verified reports at Monas: one whose resolution clock ran out, one on time."""
    load_map()
    late, on_time = (
        services.complaint_transition(
            actor=cast.triage_officer,
            complaint=factories.complaint(reporter=cast.resident, description=text),
            to=Status.VERIFIED,
        )
        for text in ("Lubang besar sejak sebulan", "Lubang kecil baru")
    )
    Complaint.objects.filter(pk=late.pk).update(
        resolution_due_at=timezone.now() - timedelta(hours=2)
    )
    return late, on_time


def test_triage_dispatches_an_overdue_report_and_the_agency_resolves_it(page, cast, reported):
    late, on_time = reported
    reply = ResponseTemplate.objects.create(
        title="Jalan sudah diperbaiki",
        status=Status.RESOLVED,
        text_id="Lubang sudah ditambal oleh Dinas Bina Marga. Terima kasih.",
    )
    stranger = StaffFactory(role=Role.AGENCY_OFFICER, organisation=cast.orgs.dinas_kominfotik)
    stranger.set_password(PASSWORD)
    stranger.save()
    agency = cast.agency_officer

    # The kelurahan's triage officer: overdue only, then dispatch to Dinas Bina Marga.
    sign_in(page, cast.triage_officer)
    page.goto(LIST)
    page.click("#changelist-filter a[href*='overdue=yes']")
    page.wait_for_url("**overdue=yes**")
    assert late.ticket in results(page)
    assert on_time.ticket not in results(page)

    page.locator("#result_list tbody tr", has_text=late.ticket).locator(
        "input.action-select"
    ).check()
    page.select_option("select[name=action]", "dispatch_to")
    page.click("button[name=index]")
    page.select_option("select[name=organisation]", label="Dinas Bina Marga")
    page.click("#content input[type=submit].default")
    assert late.ticket in page.locator("ul.messagelist").inner_text()
    assert Complaint.objects.get(pk=late.pk).organisation == cast.orgs.dinas_bina_marga

    # An officer of another agency does not see it, nor reach it by its address.
    sign_in(page, stranger)
    page.goto(LIST)
    assert late.ticket not in results(page)
    assert page.goto(f"{LIST}{late.pk}/change/").status == 404

    # Dinas Bina Marga sees it, starts the work and resolves it with the template reply.
    sign_in(page, agency)
    page.goto(LIST)
    assert late.ticket in results(page)
    assert on_time.ticket not in results(page)
    page.click(f"#result_list a:text('{late.ticket}')")
    page.select_option("#move-form select[name=to]", Status.IN_PROGRESS.value)
    page.click("#move-form input[type=submit]")
    page.select_option("#move-form select[name=to]", Status.RESOLVED.value)
    page.select_option("#move-form select[name=template]", label=reply.title)
    page.click("#move-form input[type=submit]")
    assert late.ticket in page.locator("ul.messagelist").inner_text()
    assert reply.text_id in page.locator("#timeline").inner_text()

    late.refresh_from_db()
    assert late.status == Status.RESOLVED
    assert late.response == reply.text_id

    # The reporter's inbox has the resolution.
    inbox = cast.client(cast.resident).get("/api/v1/notifications/").json()["results"]
    assert any(reply.text_id in item["body"] for item in inbox)
    assert any(late.ticket in item["title"] for item in inbox)
