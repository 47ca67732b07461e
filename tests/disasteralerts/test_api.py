"""The warnings API: the contract of API.md, the permission matrix, and bad input as 4xx."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disasteralerts.models import Alert, State
from jaki.accounts.models import Role
from jaki.audit.models import AuditEntry
from jaki.notifications.models import Notification
from tests.accounts.factories import StaffFactory
from tests.disasteralerts.conftest import KOJA, MONAS, MONAS_SQUARE, as_json, draft_fields

pytestmark = pytest.mark.django_db

BODY = {
    "status": "Actual",
    "event": "Banjir",
    "category": ["Met"],
    "urgency": "Immediate",
    "severity": "Severe",
    "certainty": "Observed",
    "response_type": ["Evacuate"],
    "effective": "2026-12-01T10:00:00+07:00",
    "expires": "2099-12-01T22:00:00+07:00",
    "info": {
        "id": {"headline": "Banjir Monas", "description": "…", "instruction": "Mengungsi."},
        "en": {"headline": "Flood at Monas", "description": "…", "instruction": "Evacuate."},
    },
    "areas": [
        {
            "description": "Monas",
            "polygons": [MONAS_SQUARE],
            "circles": [{"lat": -6.1754, "lon": 106.8272, "radius_km": 0.2}],
            "kelurahan": ["3171011001"],
        }
    ],
}


def post_draft(client, body=None):
    return client.post("/api/v1/alerts/", body or BODY, format="json")


def test_an_author_drafts_a_warning_from_the_api_md_body(cast):
    response = post_draft(cast.client(cast.alert_author))

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "draft"
    assert data["identifier"].startswith("jaki-")
    assert data["areas"][0]["kelurahan"] == [{"code": "31.71.01.1001", "name": "Gambir"}]
    assert data["author"] == cast.alert_author.name


def test_the_full_workflow_over_http(cast, device_at):
    device_at(MONAS)
    author, approver = cast.client(cast.alert_author), cast.client(cast.alert_approver)
    alert_id = post_draft(author).json()["id"]

    assert author.post(f"/api/v1/alerts/{alert_id}/submit/").json()["state"] == "pending"
    preview = approver.get(f"/api/v1/alerts/{alert_id}/preview/").json()
    assert preview["devices"] == 1
    approved = approver.post(f"/api/v1/alerts/{alert_id}/approve/")
    assert approved.status_code == 200
    assert approved.json()["state"] == "broadcast"

    delivery = approver.get(f"/api/v1/alerts/{alert_id}/delivery/").json()
    assert set(delivery) >= {
        "targeted",
        "sent",
        "failed",
        "pruned",
        "first_sent_at",
        "last_sent_at",
    }
    listed = cast.client(cast.resident).get("/api/v1/alerts/", {"lat": MONAS[0], "lon": MONAS[1]})
    assert [a["id"] for a in listed.json()["results"]] == [alert_id]
    assert listed.json()["results"][0]["headline"] == "Banjir Monas"
    far = cast.client(cast.resident).get("/api/v1/alerts/", {"lat": KOJA[0], "lon": KOJA[1]})
    assert far.json()["results"] == []

    cancel = approver.post(f"/api/v1/alerts/{alert_id}/cancel/", {}, format="json")
    assert cancel.status_code == 201
    assert cancel.json()["msg_type"] == "Cancel"
    assert cancel.json()["references"][0]["id"] == alert_id
    again = approver.post(f"/api/v1/alerts/{alert_id}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "wrong_state"


def test_english_clients_get_english_texts(broadcast, api_client):
    alert = broadcast()

    data = api_client.get(f"/api/v1/alerts/{alert.public_id}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert data["headline"] == "Flood around Monas"
    assert data["info"]["id"]["headline"] == "Banjir di sekitar Monas"


# --- the permission matrix -------------------------------------------------------------------


def client_for(cast, api_client, who):
    return api_client if who == "anonymous" else cast.client(getattr(cast, who))


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("resident", 403), ("alert_approver", 403), ("alert_author", 201)],
)
def test_who_may_draft(cast, api_client, who, expected):
    assert post_draft(client_for(cast, api_client, who)).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("resident", 403), ("alert_approver", 403), ("alert_author", 200)],
)
def test_who_may_submit(cast, api_client, draft, who, expected):
    alert = draft()

    response = client_for(cast, api_client, who).post(f"/api/v1/alerts/{alert.public_id}/submit/")

    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("resident", 403), ("alert_author", 403), ("alert_approver", 200)],
)
def test_who_may_approve(cast, api_client, draft, who, expected):
    alert = draft()
    alert.state = State.PENDING
    alert.save()

    response = client_for(cast, api_client, who).post(f"/api/v1/alerts/{alert.public_id}/approve/")

    assert response.status_code == expected
    assert (Alert.objects.get(pk=alert.pk).state == State.BROADCAST) == (expected == 200)


def test_the_author_holding_the_approver_role_too_is_refused_approval(cast, draft):
    both = StaffFactory(organisation=cast.orgs.bpbd, role=Role.ALERT_AUTHOR)
    both.groups.add(*cast.alert_approver.groups.all())
    client = cast.client(both)
    alert_id = post_draft(client).json()["id"]
    client.post(f"/api/v1/alerts/{alert_id}/submit/")

    response = client.post(f"/api/v1/alerts/{alert_id}/approve/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "author_cannot_approve"
    assert not Notification.objects.exists()


def test_a_second_approval_is_409(cast, broadcast):
    alert = broadcast()
    other = StaffFactory(organisation=cast.orgs.bpbd, role=Role.ALERT_APPROVER)

    response = cast.client(other).post(f"/api/v1/alerts/{alert.public_id}/approve/")

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("resident", 403), ("alert_author", 201), ("alert_approver", 201)],
)
def test_who_may_cancel(cast, api_client, broadcast, who, expected):
    alert = broadcast()

    response = client_for(cast, api_client, who).post(
        f"/api/v1/alerts/{alert.public_id}/cancel/", {}, format="json"
    )

    assert response.status_code == expected


def test_another_author_may_not_cancel_someone_elses_warning(cast, broadcast):
    alert = broadcast()
    other = StaffFactory(organisation=cast.orgs.bpbd, role=Role.ALERT_AUTHOR)

    response = cast.client(other).post(f"/api/v1/alerts/{alert.public_id}/cancel/")

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 401), ("resident", 403), ("alert_approver", 200)]
)
def test_who_may_see_delivery_counts(cast, api_client, broadcast, who, expected):
    alert = broadcast()

    response = client_for(cast, api_client, who).get(f"/api/v1/alerts/{alert.public_id}/delivery/")

    assert response.status_code == expected


def test_drafts_and_test_warnings_are_hidden_from_the_public(cast, api_client, draft, broadcast):
    hidden = [draft(), broadcast(status="Test")]

    for alert in hidden:
        assert api_client.get(f"/api/v1/alerts/{alert.public_id}/").status_code == 404
        assert (
            cast.client(cast.alert_approver).get(f"/api/v1/alerts/{alert.public_id}/").status_code
            == 200
        )
    assert api_client.get("/api/v1/alerts/").json()["results"] == []
    assert api_client.get("/api/v1/alerts/history/").json()["results"] == []


def test_the_history_lists_cancelled_and_expired_public_warnings(cast, api_client, broadcast):
    alert = broadcast()
    cast.client(cast.alert_author).post(f"/api/v1/alerts/{alert.public_id}/cancel/")

    results = api_client.get("/api/v1/alerts/history/").json()["results"]

    assert [r["msg_type"] for r in results] == ["Cancel", "Alert"]


def test_an_update_goes_through_its_own_approval(cast, broadcast):
    original = broadcast()
    author, approver = cast.client(cast.alert_author), cast.client(cast.alert_approver)

    update = author.post(f"/api/v1/alerts/{original.public_id}/update/", BODY, format="json")
    assert update.status_code == 201, update.json()
    update_id = update.json()["id"]
    assert update.json()["msg_type"] == "Update"
    author.post(f"/api/v1/alerts/{update_id}/submit/")
    assert approver.post(f"/api/v1/alerts/{update_id}/approve/").status_code == 200

    original.refresh_from_db()
    assert original.state == State.UPDATED


# --- bad input -------------------------------------------------------------------------------

OPEN_RING = [*MONAS_SQUARE[:-1], [-6.1731, 106.8245]]
BOW_TIE = [[-6.17, 106.82], [-6.18, 106.83], [-6.17, 106.83], [-6.18, 106.82], [-6.17, 106.82]]
TRIANGLE_OF_THREE = [[-6.17, 106.82], [-6.18, 106.83], [-6.17, 106.82]]
HUGE_RING = [[-6.17 + 0.00001 * i, 106.82 + 0.00001 * (i % 2)] for i in range(5000)] + [
    [-6.17, 106.82]
]


def area(**geometry):
    return [{"description": "Monas", **geometry}]


BAD = {
    "an open polygon": {"areas": area(polygons=[OPEN_RING])},
    "a self-intersecting polygon": {"areas": area(polygons=[BOW_TIE])},
    "a polygon of fewer than 4 points": {"areas": area(polygons=[TRIANGLE_OF_THREE])},
    "a polygon of over 5,000 points": {"areas": area(polygons=[HUGE_RING])},
    "a point that is not a pair": {"areas": area(polygons=[[[1, 2, 3]] * 5])},
    "a zero radius": {"areas": area(circles=[{"lat": -6.17, "lon": 106.82, "radius_km": 0}])},
    "a negative radius": {"areas": area(circles=[{"lat": -6.17, "lon": 106.82, "radius_km": -1}])},
    "expires before effective": {"expires": "2026-12-01T09:00:00+07:00"},
    "an unknown kelurahan": {"areas": area(kelurahan=["31.71.99.9999"])},
    "a malformed kelurahan code": {"areas": area(kelurahan=["Gambir"])},
    "an area without geometry": {"areas": area()},
    "no areas": {"areas": []},
    "a short text over 90": {"info": {"id": {"headline": "x", "short_text": "x" * 91}}},
    "a long text over 360": {"info": {"id": {"headline": "x", "long_text": "x" * 361}}},
    "no texts": {"info": {}},
    "a headline missing": {"info": {"id": {"description": "x"}}},
    "an unknown status": {"status": "Live"},
    "an unknown category": {"category": ["Zombies"]},
    "a naive string date": {"effective": "yesterday"},
    "a date at the end of time": {"expires": "9999-12-31T23:59:59-12:00"},
    "a NUL in a text": {"info": {"id": {"headline": "a\x00b"}}},
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_a_clear_400_and_stores_nothing(cast, case):
    response = post_draft(cast.client(cast.alert_author), {**BODY, **BAD[case]})

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["message"]
    assert not Alert.objects.exists()
    assert not AuditEntry.objects.filter(action="alert.drafted").exists()


@pytest.mark.parametrize("body", ["not json", "[]", '{"areas": "x"}', "null"])
def test_a_body_that_is_not_a_draft_is_a_400(cast, body):
    response = cast.client(cast.alert_author).post(
        "/api/v1/alerts/", body, content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize("path", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_warning_is_404(api_client, path):
    assert api_client.get(f"/api/v1/alerts/{path}/").status_code == 404
    assert api_client.get(f"/alerts/{path}.cap").status_code == 404


def test_lat_without_lon_is_a_400(api_client):
    response = api_client.get("/api/v1/alerts/", {"lat": "-6.2"})

    assert response.status_code == 400
    assert "lon" in response.json()["error"]["fields"]


def test_an_expired_pending_warning_cannot_be_approved(cast, draft):
    now = timezone.now()
    alert = draft(effective=now - timedelta(hours=3), expires=now - timedelta(hours=1))
    alert.state = State.PENDING
    alert.save()

    response = cast.client(cast.alert_approver).post(f"/api/v1/alerts/{alert.public_id}/approve/")

    assert response.status_code == 409
    assert not Notification.objects.exists()


def test_service_fields_draft_helper_is_valid(cast):
    response = post_draft(cast.client(cast.alert_author), as_json(draft_fields()))

    assert response.status_code == 201


def test_refusals_speak_the_requests_language(cast, draft):
    alert = draft()
    client = cast.client(cast.alert_author)
    client.post(f"/api/v1/alerts/{alert.public_id}/submit/")

    indonesian = client.post(f"/api/v1/alerts/{alert.public_id}/approve/")
    english = client.post(f"/api/v1/alerts/{alert.public_id}/approve/", HTTP_ACCEPT_LANGUAGE="en")

    assert indonesian.json()["error"]["message"].startswith("Anda menulis peringatan ini")
    assert english.json()["error"]["message"].startswith("You wrote this warning")
