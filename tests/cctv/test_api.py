import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cctv.models import Camera, Favourite, StreamSession
from cctv.vault import secret_decrypt
from jaki.accounts.services import account_erase
from jaki.audit.models import AuditEntry
from tests.cctv import factories

LIST = "/api/v1/cctv/cameras/"


def ids(response) -> set[str]:
    return {row["id"] for row in response.data["results"]}


def test_the_list_shows_public_cameras_to_anyone_and_restricted_ones_to_their_operators(cast):
    public = factories.camera(cast.orgs.dinas_kominfotik)
    restricted = factories.camera(cast.orgs.dinas_kominfotik, public=False)

    anonymous = APIClient().get(LIST)
    resident = cast.client(cast.resident).get(LIST)
    operator = cast.client(cast.cctv_operator).get(LIST)

    assert ids(anonymous) == ids(resident) == {str(public.public_id)}
    assert ids(operator) == {str(public.public_id), str(restricted.public_id)}


def test_near_a_point_lists_the_nearest_first_with_distances(cast):
    near = factories.camera(cast.orgs.dinas_kominfotik, lat=-6.1754, lon=106.8272)
    farther = factories.camera(cast.orgs.dinas_kominfotik, lat=-6.1790, lon=106.8272)
    factories.camera(cast.orgs.dinas_kominfotik, lat=-6.3000, lon=106.8272)  # 14 km away

    response = APIClient().get(LIST, {"lat": -6.1750, "lon": 106.8272, "radius": 1000})

    assert response.status_code == 200
    rows = response.data["results"]
    assert [r["id"] for r in rows] == [str(near.public_id), str(farther.public_id)]
    assert rows[0]["distance_m"] < rows[1]["distance_m"] < 1000
    assert response.data["next"] is None


def test_bbox_category_and_status_filter_the_list(cast):
    flood = factories.camera(
        cast.orgs.dinas_kominfotik, category="flood_gate", lat=-6.2087, lon=106.8497
    )
    factories.camera(cast.orgs.dinas_kominfotik, category="traffic", lat=-6.2087, lon=106.8497)
    factories.camera(cast.orgs.dinas_kominfotik, category="flood_gate", lat=-6.10, lon=106.70)
    online = factories.camera(cast.orgs.dinas_kominfotik, status="online")

    boxed = APIClient().get(LIST, {"bbox": "106.84,-6.22,106.86,-6.20", "category": "flood_gate"})
    by_status = APIClient().get(LIST, {"status": "online"})

    assert ids(boxed) == {str(flood.public_id)}
    assert ids(by_status) == {str(online.public_id)}


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "-6.2"},
        {"radius": "100"},
        {"lat": "x", "lon": "106.8"},
        {"lat": "-6.2", "lon": "106.8", "radius": "999999"},
        {"bbox": "1,2,3"},
        {"bbox": "106.9,-6.2,106.8,-6.1"},
        {"bbox": "a,b,c,d"},
        {"bbox": "nan,-6.2,106.8,-6.1"},
        {"category": "faces"},
        {"status": "burning"},
        {"cursor": "garbage"},
        {"page_size": "0"},
    ],
)
def test_bad_list_queries_are_400_in_the_house_shape(db, query):
    response = APIClient().get(LIST, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("validation_error", "invalid_cursor")


def test_the_list_runs_a_fixed_number_of_queries(cast):
    for _ in range(3):
        factories.camera(cast.orgs.dinas_kominfotik)
    client = cast.client(cast.resident)
    client.get(LIST)  # warm the session cache

    with CaptureQueriesContext(connection) as three:
        client.get(LIST)
    for _ in range(5):
        factories.camera(cast.orgs.dinas_kominfotik)
    with CaptureQueriesContext(connection) as eight:
        client.get(LIST)

    assert len(three) == len(eight)


def test_the_detail_has_uptime_and_a_restricted_camera_is_404_to_others(cast):
    public = factories.camera(cast.orgs.dinas_kominfotik)
    restricted = factories.camera(cast.orgs.dinas_kominfotik, public=False)
    Camera.objects.filter(pk=public.pk).update(uptime_24h=99.5, uptime_7d=97.0)

    detail = APIClient().get(f"{LIST}{public.public_id}/")
    hidden = cast.client(cast.resident).get(f"{LIST}{restricted.public_id}/")
    seen = cast.client(cast.cctv_operator).get(f"{LIST}{restricted.public_id}/")

    assert detail.status_code == 200
    assert (detail.data["uptime_24h"], detail.data["uptime_7d"]) == (99.5, 97.0)
    assert detail.data["organisation"]["code"] == cast.orgs.dinas_kominfotik.code
    assert hidden.status_code == 404
    assert hidden.data["error"]["code"] == "not_found"
    assert seen.status_code == 200


@pytest.mark.parametrize("camera_id", ["nope", "00000000-0000-0000-0000-000000000000", "1"])
def test_an_unknown_camera_is_404(db, camera_id):
    for path in ("", "snapshot/"):
        assert APIClient().get(f"{LIST}{camera_id}/{path}").status_code == 404


def test_favourites_are_put_listed_and_deleted(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    other = factories.camera(cast.orgs.dinas_kominfotik)
    client = cast.client(cast.resident)
    url = f"/api/v1/cctv/favorites/{camera.public_id}/"

    assert client.put(url).status_code == 201
    assert client.put(url).status_code == 200
    listed = client.get("/api/v1/cctv/favorites/")
    flagged = client.get(LIST).data["results"]

    assert ids(listed) == {str(camera.public_id)}
    assert {r["id"]: r["favourite"] for r in flagged} == {
        str(camera.public_id): True,
        str(other.public_id): False,
    }
    assert client.delete(url).status_code == 204
    assert ids(client.get("/api/v1/cctv/favorites/")) == set()


def test_favourites_refuse_strangers_and_restricted_cameras(cast):
    restricted = factories.camera(cast.orgs.dinas_kominfotik, public=False)

    assert APIClient().get("/api/v1/cctv/favorites/").status_code == 401
    response = cast.client(cast.resident).put(f"/api/v1/cctv/favorites/{restricted.public_id}/")

    assert response.status_code == 404


def test_a_snapshot_is_fetched_stored_privately_and_served_from_cache(cast, hls):
    camera = factories.camera(
        cast.orgs.dinas_kominfotik, snapshot_url=f"{hls.url}/snapshot/cam.jpg"
    )
    url = f"{LIST}{camera.public_id}/snapshot/"

    first = APIClient().get(url)
    asked = hls.requests
    second = APIClient().get(url)

    assert first.status_code == 200
    assert first.data["fresh"] is True
    assert first.data["image"]["url"].startswith("http://testserver/media/s/")
    assert first.data["captured_at"] == second.data["captured_at"]
    assert hls.requests == asked  # the second came from storage
    camera.refresh_from_db()
    assert camera.snapshot.kind == "snapshot" and camera.snapshot.visibility == "private"


@pytest.mark.parametrize("behaviour", ["error", "html", "hang", "huge"])
def test_a_camera_without_a_usable_still_is_a_404_not_a_500(cast, hls, settings, behaviour):
    settings.CCTV_SNAPSHOT_TIMEOUT_SECONDS = 1.0
    camera = factories.camera(
        cast.orgs.dinas_kominfotik, snapshot_url=f"{hls.url}/{behaviour}/cam/index.m3u8"
    )

    response = APIClient().get(f"{LIST}{camera.public_id}/snapshot/")

    assert response.status_code == 404
    assert response.data["error"]["code"] == "snapshot_unavailable"


def test_a_restricted_cameras_snapshot_is_audited(cast, hls):
    camera = factories.camera(
        cast.orgs.dinas_kominfotik, public=False, snapshot_url=f"{hls.url}/snapshot/c.jpg"
    )

    hidden = cast.client(cast.resident).get(f"{LIST}{camera.public_id}/snapshot/")
    seen = cast.client(cast.cctv_operator).get(
        f"{LIST}{camera.public_id}/snapshot/", HTTP_USER_AGENT="Ops"
    )

    assert hidden.status_code == 404
    assert seen.status_code == 200
    (entry,) = AuditEntry.objects.all()
    assert entry.details["what"] == "snapshot" and entry.user_agent == "Ops"


def test_no_response_ever_holds_an_origin_or_snapshot_url(cast, hls):
    """Walk every endpoint as every role: the secrets appear nowhere, not even encrypted."""
    snapshot = f"http://admin:kata-sandi-rahasia@127.0.0.1:{hls.port}/snapshot/x.jpg"
    public = factories.camera(cast.orgs.dinas_kominfotik, snapshot_url=snapshot)
    restricted = factories.camera(cast.orgs.dinas_kominfotik, public=False, snapshot_url=snapshot)
    encrypted = Camera.objects.values_list("stream_url_encrypted", "snapshot_url_encrypted")
    secrets = {factories.ORIGIN, snapshot, "kata-sandi", "10.20.30.40", f":{hls.port}"}
    secrets |= {value for pair in encrypted for value in pair}
    assert secret_decrypt(Camera.objects.get(pk=public.pk).stream_url_encrypted) == factories.ORIGIN
    people = [
        None,
        cast.resident,
        cast.cctv_operator,
        cast.triage_officer,
        cast.auditor,
        cast.superuser,
    ]
    for person in people:
        client = APIClient() if person is None else cast.client(person)
        bodies = [client.get(LIST), client.get(LIST, {"lat": -6.1754, "lon": 106.8272})]
        for camera in (public, restricted):
            base = f"{LIST}{camera.public_id}/"
            bodies += [
                client.get(base),
                client.post(f"{base}stream/"),
                client.get(f"{base}snapshot/"),
                client.put(f"/api/v1/cctv/favorites/{camera.public_id}/"),
                client.get("/api/v1/cctv/favorites/"),
            ]
        for response in bodies:
            assert response.status_code < 500, (person, response.request)
            text = json.dumps(response.json()) if response.content else ""
            assert not any(secret in text for secret in secrets), (person, response.request)


def test_erasure_deletes_favourites_and_sessions_and_keeps_the_audit_anonymised(cast):
    public = factories.camera(cast.orgs.dinas_kominfotik)
    restricted = factories.camera(cast.orgs.dinas_kominfotik, public=False)
    operator = cast.cctv_operator
    client = cast.client(operator)
    client.put(f"/api/v1/cctv/favorites/{public.public_id}/")
    client.post(f"{LIST}{restricted.public_id}/stream/")

    account_erase(user=operator)

    assert not Favourite.objects.filter(user=operator).exists()
    assert not StreamSession.objects.filter(user=operator).exists()
    (entry,) = AuditEntry.objects.filter(action="camera.viewed")
    entry.actor.refresh_from_db()
    assert entry.actor.pk == operator.pk
    assert entry.actor.phone is None and entry.actor.name == ""
