from django.core.management import call_command

from cctv.models import Camera
from cctv.vault import secret_decrypt
from jaki.audit.services import audit_record
from tests.cctv import factories

CAMERAS = "/admin/cctv/camera/"


def test_operators_see_their_organisations_cameras_with_status_and_uptime_never_a_source(cast):
    mine = factories.camera(cast.orgs.dinas_kominfotik, code="cam-mine")
    factories.camera(cast.orgs.bpbd, code="cam-bpbd")
    Camera.objects.filter(pk=mine.pk).update(uptime_24h=98.5, status="online")

    page = cast.admin_client(cast.cctv_operator).get(CAMERAS)
    change = cast.admin_client(cast.cctv_operator).get(f"{CAMERAS}{mine.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "cam-mine" in text and "cam-bpbd" not in text
    assert "98,5" in text  # Indonesian decimals
    for body in (text, change.content.decode()):
        assert "kata-sandi" not in body and "10.20.30.40" not in body
        assert mine.stream_url_encrypted[:20] not in body


def test_the_list_filters_by_status_category_organisation_and_kelurahan(cast):
    factories.camera(cast.orgs.dinas_kominfotik, code="cam-river", category="river")
    client = cast.admin_client(cast.superuser)

    for query in (
        "status__exact=offline",
        "category__exact=river",
        f"organisation__id__exact={cast.orgs.dinas_kominfotik.pk}",
        "kelurahan__isnull=True",
        "q=river",
    ):
        response = client.get(f"{CAMERAS}?{query}")
        assert response.status_code == 200, query
        assert "cam-river" in response.content.decode(), query


def test_bulk_maintenance_on_and_off(cast):
    cameras = [factories.camera(cast.orgs.dinas_kominfotik, status="online") for _ in range(2)]
    client = cast.admin_client(cast.cctv_operator)
    ids = [str(c.pk) for c in cameras]

    client.post(CAMERAS, {"action": "maintenance_on", "_selected_action": ids})
    assert set(Camera.objects.values_list("status", flat=True)) == {"maintenance"}
    client.post(CAMERAS, {"action": "maintenance_off", "_selected_action": ids})
    assert set(Camera.objects.values_list("status", flat=True)) == {"offline"}


def test_an_operator_adds_a_camera_whose_source_is_stored_encrypted(cast):
    client = cast.admin_client(cast.cctv_operator)
    source = "rtsp://op:rahasia@10.9.8.7/live"

    response = client.post(
        f"{CAMERAS}add/",
        {
            "code": "cam-new",
            "name": "Jalan Baru",
            "lat": "-6.1754",
            "lon": "106.8272",
            "category": "traffic",
            "organisation": cast.orgs.dinas_kominfotik.pk,
            "public": "on",
            "stream_url": source,
            "snapshot_url": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    camera = Camera.objects.get(code="cam-new")
    assert source not in camera.stream_url_encrypted
    assert secret_decrypt(camera.stream_url_encrypted) == source


def test_a_bad_source_is_a_form_error(cast):
    client = cast.admin_client(cast.superuser)

    response = client.post(
        f"{CAMERAS}add/",
        {
            "code": "cam-bad",
            "name": "X",
            "lat": "-6.1",
            "lon": "106.8",
            "category": "traffic",
            "organisation": cast.orgs.dinas_kominfotik.pk,
            "stream_url": "ftp://nowhere",
        },
    )

    assert response.status_code == 200
    assert not Camera.objects.filter(code="cam-bad").exists()


def test_the_offline_list_and_the_audit_log_are_reachable(cast):
    camera = factories.camera(cast.orgs.dinas_kominfotik, public=False, status="offline")
    audit_record(
        actor=cast.cctv_operator,
        action="camera.viewed",
        obj_kind="cctv.camera",
        obj_id=camera.public_id,
    )

    offline = cast.admin_client(cast.cctv_operator).get("/admin/cctv/offlinecamera/")
    audit = cast.admin_client(cast.auditor).get(
        f"/admin/audit/auditentry/?obj_kind=cctv.camera&q={camera.public_id}"
    )
    refused = cast.admin_client(cast.resident).get(CAMERAS)

    assert offline.status_code == 200 and camera.code in offline.content.decode()
    assert audit.status_code == 200 and str(camera.public_id) in audit.content.decode()
    assert refused.status_code == 302  # to the login page


def test_import_cameras_reads_the_csv_with_a_progress_bar(cast, tmp_path, capsys):
    cast.orgs.dinas_kominfotik  # noqa: B018  (the organisations exist)
    path = tmp_path / "cameras.csv"
    path.write_text(
        "code,name,lat,lon,category,stream_url,snapshot_url,public\n"
        "cam-a,Simpang A,-6.1754,106.8272,traffic,rtsp://u:p@10.0.0.1/a,,true\n"
        "cam-b,Pintu Air B,-6.2087,106.8497,flood_gate,http://10.0.0.2/b.m3u8,"
        "http://10.0.0.2/b.jpg,false\n"
        "cam-c,Broken,-6.2,106.8,faces,http://10.0.0.3/c.m3u8,,true\n"
        "cam-d,Broken,north,106.8,traffic,http://10.0.0.3/d.m3u8,,true\n"
    )

    call_command("import_cameras", str(path), "--organisation", "dinas-kominfotik")

    out = capsys.readouterr()
    assert "created 2, updated 0, skipped 2" in out.out
    assert "10.0.0" not in out.out + out.err
    assert Camera.objects.get(code="cam-b").public is False
    call_command("import_cameras", str(path), "--organisation", "dinas-kominfotik")
    assert "created 0, updated 2" in capsys.readouterr().out


def test_keys_rotate_without_losing_a_source(cast, settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CCTV_SECRET_KEYS = [old]
    camera = factories.camera(cast.orgs.dinas_kominfotik)
    settings.CCTV_SECRET_KEYS = [new, old]

    call_command("cctv_rotate_keys")
    settings.CCTV_SECRET_KEYS = [new]

    camera.refresh_from_db()
    assert secret_decrypt(camera.stream_url_encrypted) == factories.ORIGIN
