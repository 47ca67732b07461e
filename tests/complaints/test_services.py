"""The complaint workflow as the service enforces it, for every caller (API, admin, tasks)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Event, Status, Support
from jaki.audit.models import AuditEntry
from jaki.notifications.models import InboxItem
from tests.accounts.factories import UserFactory
from tests.complaints import factories
from tests.complaints.conftest import KOJA, MONAS, OUTSIDE


def test_a_report_at_monas_goes_to_the_kelurahan_office_of_gambir(cast):
    complaint = factories.complaint(reporter=cast.resident)

    assert complaint.kelurahan.code == "31.71.01.1001"
    assert complaint.kecamatan.code == "31.71.01"
    assert complaint.kota.code == "31.71"
    assert complaint.office == cast.orgs.kel_gambir
    assert complaint.organisation == cast.orgs.kel_gambir
    assert complaint.status == Status.SUBMITTED
    assert complaint.public is False


def test_it_numbers_tickets_per_year(cast):
    with time_machine.travel("2026-12-31 16:59:00+00:00", tick=False):  # 23:59 in Jakarta
        first = factories.complaint(reporter=cast.resident)
        second = factories.complaint(reporter=cast.resident)
    with time_machine.travel("2026-12-31 17:00:00+00:00", tick=False):  # new year in Jakarta
        third = factories.complaint(reporter=cast.resident)

    assert [first.ticket, second.ticket, third.ticket] == [
        "JKT-2026-000001",
        "JKT-2026-000002",
        "JKT-2027-000001",
    ]


def test_it_sets_both_clocks_from_the_category(cast):
    with time_machine.travel("2026-12-07 08:00:00+07:00", tick=False):
        complaint = factories.complaint(reporter=cast.resident, code="banjir")
        now = timezone.now()

    assert complaint.coordination_due_at == now + timedelta(hours=2)
    assert complaint.resolution_due_at == now + timedelta(days=1)
    assert complaint.due_at == complaint.coordination_due_at


def test_it_writes_the_first_event_and_does_not_tell_the_reporter_what_they_did(cast):
    complaint = factories.complaint(reporter=cast.resident)

    assert [(e.kind, e.to_status) for e in complaint.events.all()] == [
        (Event.Kind.SUBMITTED, Status.SUBMITTED)
    ]
    assert not InboxItem.objects.filter(user=cast.resident).exists()


def test_it_refuses_a_place_outside_jakarta_and_keeps_nothing(cast):
    with pytest.raises(services.OutsideJakarta):
        factories.complaint(reporter=cast.resident, at=OUTSIDE)

    assert Complaint.objects.count() == 0
    assert Event.objects.count() == 0


def test_it_checks_answers_against_the_categorys_questions(cast):
    with pytest.raises(services.InvalidAnswers) as error:
        factories.complaint(
            reporter=cast.resident, code="pohon", answers={"menghalangi-jalan": "mungkin"}
        )
    assert "menghalangi-jalan" in str(error.value.detail)

    with pytest.raises(services.InvalidAnswers):
        factories.complaint(reporter=cast.resident, code="pohon")  # required

    complaint = factories.complaint(
        reporter=cast.resident, code="pohon", answers={"menghalangi-jalan": "ya"}
    )
    assert complaint.answers == {"menghalangi-jalan": "ya"}


def test_a_text_answer_with_a_nul_character_is_refused_not_a_database_error(cast):
    with pytest.raises(services.InvalidAnswers):
        factories.complaint(
            reporter=cast.resident, code="lampu-jalan", answers={"nomor-tiang": "A\x0012"}
        )


def walk(complaint, actor, *moves, **kwargs):
    for to in moves:
        complaint = services.complaint_transition(
            actor=actor,
            complaint=complaint,
            to=to,
            note=kwargs.get("note", ""),
            organisation=kwargs.get("organisation"),
        )
    return complaint


def test_the_office_verifies_dispatches_and_the_agency_resolves(cast):
    complaint = factories.complaint(reporter=cast.resident)
    complaint = walk(complaint, cast.triage_officer, Status.VERIFIED)
    complaint = walk(
        complaint, cast.triage_officer, Status.DISPATCHED, organisation=cast.orgs.dinas_bina_marga
    )
    complaint = walk(complaint, cast.agency_officer, Status.IN_PROGRESS)
    complaint = walk(complaint, cast.agency_officer, Status.RESOLVED, note="Sudah ditambal.")

    assert complaint.status == Status.RESOLVED
    assert complaint.organisation == cast.orgs.dinas_bina_marga
    assert complaint.office == cast.orgs.kel_gambir
    assert complaint.response == "Sudah ditambal."
    assert complaint.resolved_at is not None
    assert AuditEntry.objects.filter(action="complaints.moved").count() == 4
    assert InboxItem.objects.filter(user=cast.resident).count() == 4  # one a move


def test_a_move_the_workflow_does_not_allow_is_a_conflict(cast):
    complaint = factories.complaint(reporter=cast.resident)

    with pytest.raises(services.TransitionNotAllowed):
        walk(complaint, cast.triage_officer, Status.RESOLVED, note="x")
    assert Complaint.objects.get(pk=complaint.pk).status == Status.SUBMITTED


def test_a_stale_move_is_a_conflict(cast):
    complaint = factories.complaint(reporter=cast.resident)
    walk(complaint, cast.triage_officer, Status.VERIFIED)

    with pytest.raises(services.StatusChanged):
        services.complaint_transition(
            actor=cast.kota_triage_officer,
            complaint=complaint,
            to=Status.REJECTED,
            expected=Status.SUBMITTED,
            note="Bukan kewenangan.",
        )


def test_an_officer_of_another_kota_may_not_move_it(cast):
    complaint = factories.complaint(reporter=cast.resident)

    with pytest.raises(services.NotPermitted):
        walk(complaint, cast.other_kota_officer, Status.VERIFIED)
    with pytest.raises(services.NotPermitted):
        walk(complaint, cast.resident, Status.VERIFIED)


def test_an_agency_officer_may_not_triage_nor_work_on_what_it_was_not_sent(cast):
    complaint = factories.complaint(reporter=cast.resident)
    complaint = walk(complaint, cast.triage_officer, Status.VERIFIED, Status.DISPATCHED)

    with pytest.raises(services.NotPermitted):
        walk(complaint, cast.agency_officer, Status.IN_PROGRESS)  # still the office's


def test_resolving_needs_a_response_and_rejecting_a_reason(cast):
    complaint = factories.complaint(reporter=cast.resident)
    with pytest.raises(services.InvalidTransition):
        walk(complaint, cast.triage_officer, Status.REJECTED)
    complaint = walk(
        complaint, cast.triage_officer, Status.VERIFIED, Status.DISPATCHED, Status.IN_PROGRESS
    )
    with pytest.raises(services.InvalidTransition):
        walk(complaint, cast.triage_officer, Status.RESOLVED)


def resolved(cast):
    complaint = factories.complaint(reporter=cast.resident)
    return walk(
        complaint,
        cast.triage_officer,
        Status.VERIFIED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        note="Selesai.",
    )


def test_the_reporter_rates_once_after_resolution(cast):
    complaint = factories.complaint(reporter=cast.resident)
    with pytest.raises(services.RatingNotAllowed):
        services.complaint_rate(user=cast.resident, complaint=complaint, stars=5)
    complaint = resolved(cast)

    services.complaint_rate(user=cast.resident, complaint=complaint, stars=4, comment="Cepat")

    with pytest.raises(services.RatingNotAllowed):
        services.complaint_rate(user=cast.resident, complaint=complaint, stars=5)
    with pytest.raises(services.NotPermitted):
        services.complaint_rate(user=UserFactory(), complaint=complaint, stars=1)
    assert Complaint.objects.get(pk=complaint.pk).rating == 4


def test_the_reporter_reopens_within_seven_days_not_after(cast):
    complaint = resolved(cast)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        reopened = services.complaint_reopen(
            user=cast.resident, complaint=complaint, reason="Masih berlubang."
        )
    assert reopened.status == Status.IN_PROGRESS
    assert reopened.reopen_count == 1

    again = walk(reopened, cast.triage_officer, Status.RESOLVED, note="Ditambal ulang.")
    with (
        time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)),
        pytest.raises(services.ReopenNotAllowed),
    ):
        services.complaint_reopen(user=cast.resident, complaint=again, reason="Lagi.")


def test_a_resolved_complaint_closes_itself_after_three_days(cast):
    complaint = resolved(cast)

    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert services.complaints_close_resolved() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert services.complaints_close_resolved() == 1

    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.closed_at is not None


def test_duplicate_links_the_original_and_moves_the_supporters(cast):
    original = factories.complaint(reporter=UserFactory())
    repeat = factories.complaint(reporter=cast.resident, at=(MONAS[0] + 0.001, MONAS[1]))
    neighbour = UserFactory()
    services.complaint_support(user=neighbour, complaint=repeat)

    services.complaint_transition(
        actor=cast.triage_officer, complaint=repeat, to=Status.DUPLICATE, duplicate_of=original
    )

    repeat.refresh_from_db()
    original.refresh_from_db()
    assert repeat.duplicate_of == original
    assert set(Support.objects.filter(complaint=original).values_list("user", flat=True)) == {
        neighbour.pk,
        cast.resident.pk,
    }
    assert original.support_count == 2


def test_a_duplicate_must_be_near_its_original(cast):
    original = factories.complaint(reporter=UserFactory(), at=KOJA)
    repeat = factories.complaint(reporter=cast.resident)

    with pytest.raises(services.InvalidTransition):
        services.complaint_transition(
            actor=cast.superuser, complaint=repeat, to=Status.DUPLICATE, duplicate_of=original
        )


def test_support_is_once_per_resident(cast):
    complaint = factories.complaint(reporter=UserFactory())

    assert services.complaint_support(user=cast.resident, complaint=complaint) == 1
    with pytest.raises(services.AlreadySupported):
        services.complaint_support(user=cast.resident, complaint=complaint)
    with pytest.raises(services.SupportNotAllowed):
        services.complaint_support(user=complaint.reporter, complaint=complaint)


def test_the_database_holds_support_to_once_per_resident(cast):
    complaint = factories.complaint(reporter=UserFactory())
    Support.objects.create(complaint=complaint, user=cast.resident)

    with pytest.raises(IntegrityError):
        Support.objects.create(complaint=complaint, user=cast.resident)


def test_overdue_complaints_are_marked_their_office_told_then_escalated(cast):
    office_staff = cast.triage_officer  # of the Gambir office: told
    kota_staff = cast.kota_triage_officer  # of the kota: told only once it is escalated
    complaint = factories.complaint(reporter=cast.resident)
    start = timezone.now()

    with time_machine.travel(start + timedelta(hours=5)):
        assert services.complaints_mark_overdue()["coordination"] == 0
    with time_machine.travel(start + timedelta(hours=6, minutes=1)):
        counts = services.complaints_mark_overdue()
    assert counts == {"coordination": 1, "resolution": 0, "escalated": 0}
    complaint.refresh_from_db()
    assert complaint.coordination_overdue_at is not None
    assert InboxItem.objects.filter(
        user=office_staff, notification__kind="complaint.overdue"
    ).exists()
    assert not InboxItem.objects.filter(user=kota_staff).exists()

    with time_machine.travel(start + timedelta(hours=30, minutes=2)):
        assert services.complaints_mark_overdue()["escalated"] == 1
        assert services.complaints_mark_overdue()["escalated"] == 0  # once
    complaint.refresh_from_db()
    assert complaint.escalated_to == cast.orgs.kec_gambir


def test_erasure_keeps_the_complaints_without_the_person(cast):
    from jaki.accounts.services import account_erase

    complaint = factories.complaint(
        reporter=cast.resident,
        code="parkir-liar",
        answers={"nomor-polisi": "B 1234 XYZ"},
        personal_details="Rumah saya nomor 12.",
    )
    services.complaint_support(
        user=cast.resident, complaint=factories.complaint(reporter=UserFactory())
    )

    account_erase(user=cast.resident)

    complaint.refresh_from_db()
    assert complaint.reporter is None
    assert complaint.personal_details == ""
    assert complaint.answers == {}
    assert complaint.anonymised_at is not None
    assert complaint.description  # the city's record stays
    assert not Support.objects.filter(user=cast.resident).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_moving_at_once_one_wins_the_other_gets_a_conflict(cast):
    import threading

    from django.db import connection

    complaint = walk(
        factories.complaint(reporter=cast.resident), cast.triage_officer, Status.VERIFIED
    )
    officers = [cast.triage_officer, cast.kota_triage_officer]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(officer):
        try:
            barrier.wait()
            services.complaint_transition(
                actor=officer,
                complaint=complaint,
                to=Status.DISPATCHED,
                expected=Status.VERIFIED,
            )
            outcomes.append("moved")
        except services.StatusChanged:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "moved"]
    assert Event.objects.filter(complaint=complaint, to_status=Status.DISPATCHED).count() == 1
