"""Who is refused, endpoint by endpoint, proven from the outside: anonymous, another resident,
staff of another organisation, staff without the role. A private complaint is a 404 to whoever
may not see it (ids cannot be probed); a visible one they may not act on is a 403."""

import pytest

from complaints import services
from complaints.models import Complaint, Event, Status, Support
from tests.complaints import factories
from tests.complaints.test_api import URL, media_root, report, resolve  # noqa: F401

ALLOWED_TO_SEE_PRIVATE = ("resident", "triage_officer", "kota_triage_officer", "superuser")
NOT_ALLOWED_TO_SEE_PRIVATE = (
    "other_kota_officer",  # Kelurahan Koja: another kota
    "agency_officer",  # Dinas Bina Marga: not (yet) responsible for it
    "staff_without_role",  # Kelurahan Gambir, but no complaints role
)


def person(cast, other_resident, name):
    return other_resident if name == "other_resident" else getattr(cast, name)


@pytest.fixture
def private(cast):
    return factories.complaint(reporter=cast.resident)


@pytest.fixture
def public(cast):
    return factories.complaint(reporter=cast.resident, public=True)


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED_TO_SEE_PRIVATE)
def test_the_reporter_and_staff_in_scope_read_a_private_complaint(cast, private, name):
    response = cast.client(getattr(cast, name)).get(f"{URL}{private.public_id}/")

    assert response.status_code == 200
    assert response.json()["id"] == str(private.public_id)


@pytest.mark.parametrize("name", ["other_resident", *NOT_ALLOWED_TO_SEE_PRIVATE])
def test_no_one_else_finds_a_private_complaint(cast, other_resident, private, name):
    client = cast.client(person(cast, other_resident, name))

    assert client.get(f"{URL}{private.public_id}/").status_code == 404
    assert str(private.public_id) not in client.get(URL).content.decode()
    assert str(private.public_id) not in client.get(f"{URL}mine/").content.decode()


def test_anonymous_finds_no_private_complaint(api_client, private):
    response = api_client.get(f"{URL}{private.public_id}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_staff_of_another_kota_see_no_internal_note_of_a_public_complaint(cast, public):
    services.complaint_comment(
        actor=cast.triage_officer, complaint=public, text="Rahasia dapur", public=False
    )

    response = cast.client(cast.other_kota_officer).get(f"{URL}{public.public_id}/")

    assert response.status_code == 200
    assert response.json()["staff"] is False
    assert "Rahasia dapur" not in response.content.decode()


def test_a_bad_token_is_refused_even_where_anyone_may_read(api_client, public):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(f"{URL}{public.public_id}/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


@pytest.mark.parametrize(
    "path", ["mine/", "similar/?lat=-6.1754&lon=106.8272&category=jalan-rusak"]
)
def test_resident_reads_need_a_sign_in(api_client, db, path):
    response = api_client.get(f"{URL}{path}")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("comments", {"text": "Halo"}),
        ("support", {}),
        ("transition", {"to": "verified"}),
        ("rating", {"stars": 5}),
        ("reopen", {"reason": "Belum"}),
    ],
)
def test_anonymous_may_not_write(api_client, public, action, body):
    response = api_client.post(f"{URL}{public.public_id}/{action}/", body, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("comments", {"text": "Halo"}),
        ("transition", {"to": "verified"}),
        ("rating", {"stars": 5}),
        ("reopen", {"reason": "Belum"}),
    ],
)
@pytest.mark.parametrize("name", ["other_resident", *NOT_ALLOWED_TO_SEE_PRIVATE])
def test_no_one_else_acts_on_a_private_complaint(cast, other_resident, private, action, body, name):
    client = cast.client(person(cast, other_resident, name))

    response = client.post(f"{URL}{private.public_id}/{action}/", body, format="json")

    assert response.status_code == 404
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("comments", {"text": "Halo"}),
        ("transition", {"to": "verified"}),
    ],
)
@pytest.mark.parametrize("name", ["other_resident", *NOT_ALLOWED_TO_SEE_PRIVATE])
def test_a_public_complaint_is_not_everyones_to_comment_or_move(
    cast, other_resident, public, action, body, name
):
    client = cast.client(person(cast, other_resident, name))

    response = client.post(f"{URL}{public.public_id}/{action}/", body, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Complaint.objects.get().status == Status.SUBMITTED
    assert Event.objects.count() == 1


def test_the_reporter_may_not_move_their_own_complaint(cast, private):
    response = cast.client(cast.resident).post(
        f"{URL}{private.public_id}/transition/", {"to": "verified"}, format="json"
    )

    assert response.status_code == 403
    assert Complaint.objects.get().status == Status.SUBMITTED


def test_an_agency_officer_works_on_what_was_dispatched_to_it_but_does_not_triage(cast, private):
    services.complaint_transition(actor=cast.triage_officer, complaint=private, to="verified")
    services.complaint_transition(
        actor=cast.triage_officer,
        complaint=private,
        to="dispatched",
        organisation=cast.orgs.sudin_bina_marga_pusat,
    )
    client = cast.client(cast.sudin_officer)
    path = f"{URL}{private.public_id}/transition/"

    started = client.post(path, {"to": "in_progress"}, format="json")
    resolved = client.post(path, {"to": "resolved", "note": "Sudah ditambal"}, format="json")
    closed = client.post(path, {"to": "closed"}, format="json")  # the office's verifier's

    assert started.status_code == 200, started.json()
    assert resolved.status_code == 200
    assert closed.status_code == 403
    assert Complaint.objects.get().status == Status.RESOLVED


@pytest.mark.parametrize("action", ["rating", "reopen"])
@pytest.mark.parametrize("name", ["other_resident", "triage_officer"])
def test_only_the_reporter_rates_or_reopens(cast, other_resident, public, action, name):
    resolve(public, cast.triage_officer)
    body = {"stars": 5} if action == "rating" else {"reason": "Belum"}

    response = cast.client(person(cast, other_resident, name)).post(
        f"{URL}{public.public_id}/{action}/", body, format="json"
    )

    assert response.status_code == 403
    complaint = Complaint.objects.get()
    assert complaint.status == Status.RESOLVED and complaint.rating is None


def test_a_closed_private_complaint_cannot_be_supported_by_a_stranger(
    cast, other_resident, private
):
    services.complaint_transition(
        actor=cast.triage_officer, complaint=private, to="rejected", note="Bukan kewenangan"
    )

    response = cast.client(other_resident).post(f"{URL}{private.public_id}/support/")

    assert response.status_code == 404
    assert Support.objects.count() == 0


def test_a_resident_submits_only_as_themselves(cast, other_resident):
    """The body cannot name another reporter: unknown fields are ignored."""
    body = report(reporter=str(other_resident.public_id))

    response = cast.client(cast.resident).post(URL, body, format="json")

    assert response.status_code == 201
    assert Complaint.objects.get().reporter == cast.resident


# --- odd input is a 4xx, never a 500 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body", "format"),
    [
        ("", ["a", "list"], "json"),
        ("", {"category": "jalan-rusak", "lat": "nan", "lon": "inf", "description": "x"}, "json"),
        ("", {"category": ["jalan-rusak"], "description": {"x": 1}}, "json"),
        ("", {"photos": "not a file", "category": "jalan-rusak"}, "multipart"),
        ("transition", {"to": "duplicate"}, "json"),
        ("transition", {"to": "verified", "expected": "nowhere"}, "json"),
        ("transition", {"to": "verified", "photos": ["x"]}, "json"),
        ("transition", {"to": "verified", "duplicate_of": "not-a-uuid"}, "json"),
        ("rating", {"stars": 10**30}, "json"),
        ("comments", {"text": None}, "json"),
    ],
)
def test_odd_input_is_a_4xx_in_the_error_shape(cast, private, action, body, format):
    path = f"{URL}{private.public_id}/{action}/" if action else URL
    person = cast.resident if action in ("", "rating", "comments") else cast.triage_officer

    response = cast.client(person).post(path, body, format=format)

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()["error"]) >= {"code", "message"}
