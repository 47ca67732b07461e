"""Gauges post water-gate readings with the platform's API keys, one key per gate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disasteralerts.models import Alert, GateReading, State
from jaki.apikeys.services import api_key_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/water-gates/readings/"
SCOPE = "disasteralerts:gauge"


def key(*resources: str, scopes=(SCOPE,)) -> str:
    return api_key_create(name="gauge", scopes=list(scopes), resources=list(resources)).plaintext


def post(api_client, plaintext, *rows):
    return api_client.post(URL, {"readings": list(rows)}, format="json", HTTP_X_API_KEY=plaintext)


def row(gate="manggarai", level=700, at=None) -> dict:
    return {"gate": gate, "measured_at": (at or timezone.now()).isoformat(), "level_cm": level}


def test_a_gauge_posts_its_gates_reading_and_siaga_2_drafts_a_warning(api_client):
    response = post(api_client, key("manggarai"), row(level=870))

    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 1 and body["duplicates"] == 0
    assert body["readings"][0]["siaga"] == 2
    assert Alert.objects.get(source="watergate").state == State.PENDING


def test_posting_the_same_reading_again_is_idempotent(api_client):
    plaintext, reading = key("manggarai"), row(level=700)
    assert post(api_client, plaintext, reading).status_code == 201

    again = post(api_client, plaintext, reading)

    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert GateReading.objects.count() == 1


def test_a_different_level_for_a_stored_time_is_a_409_and_the_batch_is_not_half_stored(
    api_client,
):
    plaintext, at = key("manggarai"), timezone.now() - timedelta(minutes=5)
    post(api_client, plaintext, row(level=700, at=at))

    response = post(api_client, plaintext, row(level=710), row(level=720, at=at))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reading_conflict"
    assert GateReading.objects.count() == 1


def test_a_gauges_key_cannot_post_for_another_gate(api_client):
    response = post(api_client, key("depok"), row(gate="manggarai"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not GateReading.objects.exists()


def test_a_batch_with_one_foreign_gate_is_refused_whole(api_client):
    response = post(api_client, key("depok"), row(gate="depok"), row(gate="manggarai"))
    assert response.status_code == 403
    assert not GateReading.objects.exists()


def test_a_key_without_the_gauge_scope_or_no_key_is_refused(api_client):
    from jaki.apikeys import scopes

    scopes.register("disasteralerts:other", "other")
    try:
        assert post(api_client, key(scopes=("disasteralerts:other",)), row()).status_code == 403
    finally:
        scopes.unregister("disasteralerts:other")
    assert api_client.post(URL, {"readings": [row()]}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"readings": [{"gate": "manggarai", "level_cm": 700}]}, "measured_at"),
        ({"readings": [row(level="tinggi")]}, "level_cm"),
        ({"readings": [row(level=1e9)]}, "level_cm"),
        ({"readings": [row(gate="no such gate!")]}, "gate"),
        ({"readings": []}, "readings"),
        ({"readings": "manggarai"}, "readings"),
        ({"readings": [row()] * 501}, "readings"),
        ({}, "readings"),
        ({"readings": [row(at=timezone.now() + timedelta(hours=3))]}, "measured_at"),
        ({"readings": [{**row(), "measured_at": "2024-05-07T13:00:00"}]}, "measured_at"),
    ],
)
def test_bad_rows_are_a_400_in_the_house_shape(api_client, body, field):
    response = api_client.post(URL, body, format="json", HTTP_X_API_KEY=key())

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert field in str(error.get("fields", {})) or field in error["message"]
    assert not GateReading.objects.exists()


def test_an_unknown_gate_is_a_400_for_a_key_limited_to_no_gate(api_client):
    response = post(api_client, key(), row(gate="ciliwung-hulu"))
    assert response.status_code == 400
    assert "ciliwung-hulu" in str(response.json()["error"])


def test_a_body_that_is_not_json_is_a_400(api_client):
    response = api_client.post(
        URL, b"{not json", content_type="application/json", HTTP_X_API_KEY=key()
    )
    assert response.status_code == 400
