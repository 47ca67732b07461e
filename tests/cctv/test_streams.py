import base64
import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from cctv.models import StreamSession
from jaki.accounts.models import Role
from jaki.audit.models import AuditEntry
from tests.accounts.factories import StaffFactory
from tests.cctv import factories

AUTH = "/cctv/media-auth/"


def stream(client, camera, **extra):
    return client.post(f"/api/v1/cctv/cameras/{camera.public_id}/stream/", **extra)


def token_of(url: str) -> tuple[str, str]:
    """(token, camera path) of a stream URL `{base}/{token}/{camera}/index.m3u8`."""
    token, camera, _file = urlsplit(url).path.strip("/").split("/")
    return token, camera


def edge_asks(token: str, camera: str, *, ip: str = "203.0.113.7", action: str = "read"):
    body = {
        "user": "",
        "password": "",
        "token": "",
        "ip": ip,
        "action": action,
        "path": f"{token}/{camera}",
        "protocol": "hls",
        "id": None,
        "query": "",
    }
    return APIClient().post(AUTH, body, format="json")


def test_a_resident_gets_a_signed_url_that_the_edge_accepts(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)

    response = stream(cast.client(cast.resident), camera)

    assert response.status_code == 201
    url, expires_at = response.data["url"], response.data["expires_at"]
    assert url.startswith("https://edge.example.org/k2.")
    assert url.endswith(f"/{camera.code}/index.m3u8")
    lifetime = timezone.datetime.fromisoformat(expires_at) - timezone.now()
    assert timedelta(seconds=110) < lifetime <= timedelta(seconds=120)
    token, path = token_of(url)
    assert edge_asks(token, path).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: t.replace(".", ".9", 1),  # the expiry, pushed later
        lambda t: "k9" + t[2:],  # a key id we never had
        lambda t: t[:-5],  # cut short
        lambda t: "",
    ],
)
def test_a_tampered_token_is_refused_with_403(cast, tamper):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])

    response = edge_asks(tamper(token), path)

    assert response.status_code == 403
    assert response.data["error"]["code"] == "stream_token_invalid"


def test_a_token_for_one_camera_does_not_open_another(cast):
    first = factories.camera(cast.orgs.dinas_kominfotik)
    second = factories.camera(cast.orgs.dinas_kominfotik)
    token, _path = token_of(stream(cast.client(cast.resident), first).data["url"])

    assert edge_asks(token, second.code).status_code == 403


def test_an_expired_token_answers_410(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])

    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        response = edge_asks(token, path)

    assert response.status_code == 410
    assert response.data["error"]["code"] == "stream_token_expired"


def test_a_token_replayed_from_a_second_address_is_refused(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])

    assert edge_asks(token, path, ip="203.0.113.7").status_code == 200
    assert edge_asks(token, path, ip="203.0.113.7").status_code == 200
    replay = edge_asks(token, path, ip="198.51.100.9")

    assert replay.status_code == 403
    assert replay.data["error"]["code"] == "stream_token_replayed"


def test_keys_rotate_a_token_of_the_previous_key_verifies_until_that_key_goes(cast, settings):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    settings.CCTV_STREAM_KEYS = ["k1:first-signing-secret"]
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])
    assert token.startswith("k1.")

    settings.CCTV_STREAM_KEYS = ["k2:second-signing-secret", "k1:first-signing-secret"]
    assert edge_asks(token, path).status_code == 200

    settings.CCTV_STREAM_KEYS = ["k2:second-signing-secret"]
    assert edge_asks(token, path).status_code == 403


def test_the_edge_may_not_publish_with_a_viewers_token(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])

    assert edge_asks(token, path, action="publish").status_code == 403


def test_the_token_may_also_come_as_a_query_parameter(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    token, path = token_of(stream(cast.client(cast.resident), camera).data["url"])
    body = {"action": "read", "path": path, "query": f"token={token}", "ip": "203.0.113.7"}

    assert APIClient().post(AUTH, body, format="json").status_code == 200


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"action": 5, "path": {"a": 1}}', b'{"path": "x/y"}', b'{"ip": "x"}'],
)
def test_bad_input_to_the_edge_hook_is_a_4xx_in_the_house_shape(db, body):
    response = APIClient().post(AUTH, body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert "code" in response.json()["error"]


def test_a_user_watches_at_most_the_configured_number_of_cameras_at_once(cast):
    cameras = [factories.camera(cast.orgs.dinas_kominfotik) for _ in range(3)]
    client = cast.client(cast.resident)

    assert stream(client, cameras[0]).status_code == 201
    assert stream(client, cameras[1]).status_code == 201
    assert stream(client, cameras[1]).status_code == 201  # a renewal of one being watched
    refused = stream(client, cameras[2])

    assert refused.status_code == 429
    assert refused.data["error"]["code"] == "too_many_streams"
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        assert stream(client, cameras[2]).status_code == 201


def test_someone_signed_out_cannot_ask_for_a_stream(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)

    response = stream(APIClient(), camera)

    assert response.status_code == 401


def test_a_restricted_camera_is_not_found_for_a_resident_and_writes_no_audit(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik, public=False)

    response = stream(cast.client(cast.resident), camera)

    assert response.status_code == 404
    assert not AuditEntry.objects.exists()
    assert not StreamSession.objects.exists()


def test_an_operator_of_another_organisation_does_not_see_a_restricted_camera(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik, public=False)
    elsewhere = StaffFactory(
        phone="+6281100009999", organisation=cast.orgs.bpbd, role=Role.CCTV_OPERATOR
    )

    assert stream(cast.client(elsewhere), camera).status_code == 404
    assert stream(cast.client(cast.triage_officer), camera).status_code == 404


def test_the_owning_operator_streams_a_restricted_camera_and_it_is_audited(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik, public=False)
    client = cast.client(cast.cctv_operator)

    response = stream(client, camera, HTTP_USER_AGENT="JAKI-Ops/2.1", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 201
    (entry,) = AuditEntry.objects.all()
    assert entry.action == "camera.viewed"
    assert entry.actor == cast.cctv_operator
    assert (entry.obj_kind, entry.obj_id) == ("cctv.camera", str(camera.public_id))
    assert entry.client_address == "10.1.2.3"
    assert entry.user_agent == "JAKI-Ops/2.1"
    assert entry.details["what"] == "stream"
    assert "kata-sandi" not in str(entry.details)


def test_a_public_camera_stream_is_not_audited(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik)

    stream(cast.client(cast.cctv_operator), camera)

    assert not AuditEntry.objects.exists()


def test_nginx_mode_signs_as_nginx_secure_link_checks(cast, settings):
    settings.CCTV_STREAM_SIGNING = "nginx"
    settings.CCTV_NGINX_SECURE_LINK_SECRET = "edge-secret"
    camera = factories.camera(cast.orgs.dinas_kominfotik)

    url = stream(cast.client(cast.resident), camera).data["url"]

    link, expires, code, _file = urlsplit(url).path.strip("/").split("/")
    # nginx: secure_link_md5 "$secure_link_expires/$camera $secret", base64url, no padding.
    digest = hashlib.md5(f"{expires}/{code} edge-secret".encode()).digest()
    assert link == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert code == camera.code
    assert int(expires) > timezone.now().timestamp()


def test_a_camera_made_restricted_is_no_longer_streamed_to_residents(cast):
    """Public cameras are answered from each process's copy: changing one renews it."""
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    client = cast.client(cast.resident)
    assert stream(client, camera).status_code == 201

    camera.public = False
    camera.save()

    assert stream(client, camera).status_code == 404
    assert stream(cast.client(cast.cctv_operator), camera).status_code == 201


def test_a_public_cameras_stream_url_reads_no_camera_row(cast, django_assert_num_queries):
    """The user (the session check), the new session, the count of what they watch."""
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    client = cast.client(cast.resident)
    stream(client, camera)  # warm: this process's copy of the public cameras is built

    with django_assert_num_queries(3):
        assert stream(client, camera).status_code == 201
