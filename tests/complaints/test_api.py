"""The complaints API as the mobile app and the staff use it: real requests, real services."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, Event, Status, Support
from jaki.idempotency.models import IdempotencyRecord
from jaki.media.models import StoredImage, Visibility
from tests.complaints import factories
from tests.complaints.conftest import KOJA, MONAS, OUTSIDE
from tests.media import images

URL = "/api/v1/complaints/"
NEAR_MONAS = (-6.1760, 106.8275)  # about 75 m from MONAS, still Kelurahan Gambir


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its photos in a folder of its own."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "media_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "private", "base_url": None},
        },
        "media_public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "public", "base_url": "/media/public/"},
        },
    }
    return root


def photo(name="photo.jpg", data=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data or images.encoded("JPEG"), content_type)


def report(**overrides):
    body = {
        "category": "jalan-rusak",
        "description": "Jalan berlubang di depan halte.",
        "lat": MONAS[0],
        "lon": MONAS[1],
    }
    body.update(overrides)
    return body


def resolve(complaint, officer, note="Sudah ditambal."):
    for to in (Status.VERIFIED, Status.DISPATCHED, Status.IN_PROGRESS):
        services.complaint_transition(actor=officer, complaint=complaint, to=to)
    return services.complaint_transition(
        actor=officer, complaint=complaint, to=Status.RESOLVED, note=note
    )


def nothing_stored(media_root=None):
    """No complaint, event or image row, and (given the media root) no file either."""
    rows = (Complaint.objects.count(), Event.objects.count(), StoredImage.objects.count())
    files = [p for p in media_root.rglob("*") if p.is_file()] if media_root else []
    return rows == (0, 0, 0) and files == []


# --- categories ------------------------------------------------------------------------------


def test_anyone_lists_the_categories_in_their_language(api_client, db):
    response = api_client.get(f"{URL}categories/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    by_code = {c["code"]: c for c in response.json()}
    road = by_code["jalan-rusak"]
    assert road["name"] == "Damaged road"
    assert road["icon"] == "road"
    assert road["sla_hours"] == 7 * 24
    assert road["coordination_sla_hours"] == 6
    assert road["agency"] is None and road["routing"] == "kelurahan"
    (size,) = road["questions"]
    assert size["code"] == "ukuran"
    assert size["datatype"] == "singlevaluelist"
    assert size["description"] == "How large is the damage?"
    assert size["values"][0] == {"key": "kecil", "name": "Small (< 50 cm)"}

    indonesian = api_client.get(f"{URL}categories/", HTTP_ACCEPT_LANGUAGE="id").json()
    assert {c["code"]: c["name"] for c in indonesian}["jalan-rusak"] == "Jalan Rusak"


def test_a_category_routed_to_an_agency_names_it(api_client, cast):
    road = factories.category()
    road.routing, road.organisation = "organisation", cast.orgs.dinas_bina_marga
    road.save()

    by_code = {c["code"]: c for c in api_client.get(f"{URL}categories/").json()}

    assert by_code["jalan-rusak"]["agency"] == {
        "code": "dinas-bina-marga",
        "name": "Dinas Bina Marga",
    }


# --- submit ----------------------------------------------------------------------------------


def test_a_resident_submits_a_private_report_routed_to_the_kelurahan(cast):
    response = cast.client(cast.resident).post(URL, report(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["ticket"].startswith("JKT-")
    assert body["public"] is False
    assert body["kelurahan"] == {"code": "31.71.01.1001", "name": body["kelurahan"]["name"]}
    assert body["kelurahan"]["name"].upper() == "GAMBIR"
    assert body["agency"] == {"code": "kel-31-71-01-1001", "name": "Kelurahan Gambir"}
    assert body["due_at"] == body["coordination_due_at"]
    assert body["overdue"] is False
    complaint = Complaint.objects.get(public_id=body["id"])
    assert complaint.reporter == cast.resident
    assert complaint.office == cast.orgs.kel_gambir


def test_a_report_takes_answers_and_up_to_three_photos_in_multipart(media_root, cast):
    body = report(category="pohon", public="true", answers=json.dumps({"menghalangi-jalan": "ya"}))
    body["photos"] = [photo("a.jpg"), photo("b.png", images.encoded("PNG"), "image/png")]

    response = cast.client(cast.resident).post(URL, body, format="multipart")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["public"] is True
    assert len(created["photos"]) == 2
    assert created["photos"][0]["url"].startswith("http://testserver/media/public/")
    complaint = Complaint.objects.get(public_id=created["id"])
    assert complaint.answers == {"menghalangi-jalan": "ya"}
    assert {p.visibility for p in complaint.photos.all()} == {Visibility.PUBLIC}
    assert len([p for p in media_root.rglob("*.jpg")]) == 4  # two photos, two thumbnails


def test_a_private_reports_photos_come_only_as_signed_urls(cast):
    body = report(photos=[photo()])

    response = cast.client(cast.resident).post(URL, body, format="multipart")

    assert response.status_code == 201, response.json()
    (image,) = response.json()["photos"]
    assert image["url"].startswith("http://testserver/media/s/")
    assert image["thumbnail_url"].startswith("http://testserver/media/s/")
    assert cast.client(cast.resident).get(image["url"]).status_code == 200


def test_signing_in_is_needed_to_submit(api_client, db):
    response = api_client.post(URL, report(), format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert nothing_stored()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": None}, "category"),
        ({"category": "no-such-thing"}, "category"),
        ({"description": "x" * 4001}, "description"),
        ({"description": ""}, "description"),
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"address": "x" * 256}, "address"),
        ({"answers": ["not", "an", "object"]}, "answers"),
        ({"answers": "{not json"}, "answers"),
        ({"photos": ["not-a-file"]}, "photos"),
        ({"public": "perhaps"}, "public"),
    ],
)
def test_it_refuses_bad_input_with_the_field_named_and_stores_nothing(cast, overrides, field):
    body = {k: v for k, v in report(**overrides).items() if v is not None}

    response = cast.client(cast.resident).post(URL, body, format="json")

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"]
    assert field in error["fields"]
    assert nothing_stored()


def test_it_refuses_a_place_outside_jakarta(cast):
    response = cast.client(cast.resident).post(
        URL, report(lat=OUTSIDE[0], lon=OUTSIDE[1]), format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "outside_jakarta"
    assert nothing_stored()


def test_it_refuses_wrong_answers_to_the_categorys_questions(cast):
    response = cast.client(cast.resident).post(
        URL, report(category="pohon", answers={"menghalangi-jalan": "mungkin"}), format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_answers"
    assert nothing_stored()


def test_it_refuses_a_file_that_is_no_image(media_root, cast):
    body = report(photos=[photo(), photo("notes.jpg", b"just some text, not a photo")])

    response = cast.client(cast.resident).post(URL, body, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_image"
    assert nothing_stored(media_root)


def test_it_refuses_an_oversized_photo(media_root, cast, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 2000
    big = images.encoded("PNG", size=(400, 400), mode="RGB")
    big = big + b"\0" * 3000

    response = cast.client(cast.resident).post(
        URL, report(photos=[photo("big.png", big, "image/png")]), format="multipart"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"  # refused while streaming
    assert nothing_stored(media_root)


def test_it_refuses_a_fourth_photo(media_root, cast):
    body = report(photos=[photo(f"{n}.jpg") for n in range(4)])

    response = cast.client(cast.resident).post(URL, body, format="multipart")

    assert response.status_code == 400
    assert "photos" in response.json()["error"]["fields"]
    assert nothing_stored(media_root)


def test_a_failed_submit_after_the_photos_leaves_no_photo_behind(media_root, cast):
    """Photos are decoded first; a report the service then refuses keeps none of them."""
    body = report(lat=OUTSIDE[0], lon=OUTSIDE[1], photos=[photo(), photo("b.jpg")])

    response = cast.client(cast.resident).post(URL, body, format="multipart")

    assert response.status_code == 400
    assert nothing_stored(media_root)


def test_a_retried_submit_with_the_same_key_creates_one_complaint(cast):
    client = cast.client(cast.resident)

    first = client.post(URL, report(), format="json", HTTP_IDEMPOTENCY_KEY="report-1")
    again = client.post(URL, report(), format="json", HTTP_IDEMPOTENCY_KEY="report-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    assert Event.objects.count() == 1


def test_the_same_key_with_another_report_is_refused(cast):
    client = cast.client(cast.resident)
    client.post(URL, report(), format="json", HTTP_IDEMPOTENCY_KEY="report-1")

    response = client.post(
        URL, report(description="Lain"), format="json", HTTP_IDEMPOTENCY_KEY="report-1"
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Complaint.objects.count() == 1


def test_a_refused_submit_keeps_no_idempotency_record(cast):
    client = cast.client(cast.resident)
    body = report(lat=OUTSIDE[0], lon=OUTSIDE[1])

    response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="report-2")

    assert response.status_code == 400
    assert nothing_stored()
    fixed = client.post(URL, report(), format="json", HTTP_IDEMPOTENCY_KEY="report-3")
    assert fixed.status_code == 201
    assert IdempotencyRecord.objects.count() >= 1


# --- mine ------------------------------------------------------------------------------------


def test_a_resident_lists_only_their_own_complaints(cast, other_resident):
    own = factories.complaint(reporter=cast.resident)
    factories.complaint(reporter=other_resident, public=True)

    response = cast.client(cast.resident).get(f"{URL}mine/")

    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["results"]] == [str(own.public_id)]
    assert body["next"] is None and body["previous"] is None


def test_the_reporter_sees_when_their_complaint_is_overdue(cast):
    complaint = factories.complaint(reporter=cast.resident)

    with time_machine.travel(complaint.coordination_due_at + timedelta(minutes=1)):
        (row,) = cast.client(cast.resident).get(f"{URL}mine/").json()["results"]

    assert row["overdue"] is True
    assert row["due_at"] is not None
    assert row["resolution_due_at"] is not None


def test_mine_needs_a_sign_in(api_client, db):
    response = api_client.get(f"{URL}mine/")

    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


# --- the public feed -------------------------------------------------------------------------


def test_the_feed_lists_public_complaints_only_and_never_the_reporter(api_client, cast):
    shown = factories.complaint(reporter=cast.resident, public=True)
    factories.complaint(reporter=cast.resident)  # private
    rejected = factories.complaint(reporter=cast.resident, public=True)
    services.complaint_transition(
        actor=cast.triage_officer, complaint=rejected, to=Status.REJECTED, note="Bukan kewenangan"
    )

    response = api_client.get(URL)

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [str(shown.public_id)]
    assert response.json()["results"][0]["distance_m"] is None  # no point asked about
    text = response.content.decode()
    assert cast.resident.phone not in text
    assert cast.resident.name not in text
    assert "reporter" not in text


def test_the_feed_near_a_point_is_nearest_first_with_distances(api_client, cast):
    at_monas = factories.complaint(reporter=cast.resident, public=True)
    near = factories.complaint(reporter=cast.resident, public=True, at=NEAR_MONAS)
    factories.complaint(reporter=cast.resident, public=True, at=KOJA)

    response = api_client.get(URL, {"lat": MONAS[0], "lon": MONAS[1], "radius": 1000})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [str(at_monas.public_id), str(near.public_id)]
    assert rows[0]["distance_m"] < rows[1]["distance_m"] < 1000


def test_the_feed_filters_by_status_and_category(api_client, cast):
    road = factories.complaint(reporter=cast.resident, public=True)
    tree = factories.complaint(
        reporter=cast.resident, public=True, code="pohon", answers={"menghalangi-jalan": "ya"}
    )
    services.complaint_transition(actor=cast.triage_officer, complaint=tree, to=Status.VERIFIED)

    by_category = api_client.get(URL, {"category": "jalan-rusak"}).json()["results"]
    by_status = api_client.get(URL, {"status": "verified"}).json()["results"]

    assert [r["id"] for r in by_category] == [str(road.public_id)]
    assert [r["id"] for r in by_status] == [str(tree.public_id)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"lat": MONAS[0]}, "lon"),
        ({"lat": "north", "lon": MONAS[1]}, "lat"),
        ({"lat": MONAS[0], "lon": MONAS[1], "radius": 0}, "radius"),
        ({"lat": MONAS[0], "lon": MONAS[1], "radius": 10**9}, "radius"),
        ({"radius": 100}, "radius"),
        ({"status": "lost"}, "status"),
        ({"status": ""}, "status"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_the_feed_refuses_bad_parameters(api_client, db, query, field):
    response = api_client.get(URL, query)

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_the_feed_pages_with_cursors(api_client, cast):
    made = [factories.complaint(reporter=cast.resident, public=True) for _ in range(3)]

    first = api_client.get(URL, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()

    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == [str(c.public_id) for c in reversed(made)]
    assert second["next"] is None
    assert api_client.get(URL, {"cursor": "bm9uc2Vuc2U="}).status_code == 400


# --- detail ----------------------------------------------------------------------------------


def test_anyone_reads_a_public_complaint_with_its_public_timeline(api_client, cast):
    complaint = factories.complaint(reporter=cast.resident, public=True)
    services.complaint_comment(
        actor=cast.triage_officer, complaint=complaint, text="Internal: cek CCTV", public=False
    )

    response = api_client.get(f"{URL}{complaint.public_id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["ticket"] == complaint.ticket
    assert body["office"] == {"code": "kel-31-71-01-1001", "name": "Kelurahan Gambir"}
    assert body["kecamatan"]["code"] == "31.71.01" and body["kota"]["code"] == "31.71"
    assert [e["kind"] for e in body["timeline"]] == ["submitted"]
    assert body["mine"] is False and body["staff"] is False
    assert "cek CCTV" not in response.content.decode()
    assert cast.resident.phone not in response.content.decode()


def test_staff_with_rights_see_internal_notes_too(cast):
    complaint = factories.complaint(reporter=cast.resident)
    services.complaint_comment(
        actor=cast.triage_officer, complaint=complaint, text="Internal: cek CCTV", public=False
    )

    staff_view = cast.client(cast.triage_officer).get(f"{URL}{complaint.public_id}/").json()
    reporter_view = cast.client(cast.resident).get(f"{URL}{complaint.public_id}/").json()

    assert [e["kind"] for e in staff_view["timeline"]] == ["submitted", "note"]
    assert staff_view["staff"] is True
    assert staff_view["timeline"][1]["organisation"]["code"] == "kel-31-71-01-1001"
    assert [e["kind"] for e in reporter_view["timeline"]] == ["submitted"]
    assert reporter_view["mine"] is True


def test_a_personal_answer_is_hidden_from_the_public(api_client, cast):
    complaint = factories.complaint(
        reporter=cast.resident,
        public=True,
        code="parkir-liar",
        answers={"nomor-polisi": "B 1234 XYZ"},
        personal_details="Saya tinggal di nomor 5",
    )

    public_view = api_client.get(f"{URL}{complaint.public_id}/")
    reporter_view = cast.client(cast.resident).get(f"{URL}{complaint.public_id}/").json()
    staff_view = cast.client(cast.triage_officer).get(f"{URL}{complaint.public_id}/").json()

    assert public_view.json()["answers"] == {}
    assert "B 1234 XYZ" not in public_view.content.decode()
    assert "nomor 5" not in public_view.content.decode()
    assert reporter_view["answers"] == {"nomor-polisi": "B 1234 XYZ"}
    assert staff_view["answers"] == {"nomor-polisi": "B 1234 XYZ"}
    assert staff_view["personal_details"] == "Saya tinggal di nomor 5"


def test_labels_follow_the_requests_language(api_client, cast):
    complaint = factories.complaint(reporter=cast.resident, public=True)

    body = api_client.get(f"{URL}{complaint.public_id}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["status_label"] == "Waiting"
    assert body["category"]["name"] == "Damaged road"
    assert body["timeline"][0]["kind_label"] == "Submitted"


def test_a_bad_id_is_a_404_in_the_error_shape(api_client, db):
    for path in (f"{URL}not-a-uuid/", f"{URL}00000000-0000-0000-0000-000000000000/"):
        response = api_client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


# --- comments, support -----------------------------------------------------------------------


def test_the_reporter_and_staff_comment(cast):
    complaint = factories.complaint(reporter=cast.resident)

    mine = cast.client(cast.resident).post(
        f"{URL}{complaint.public_id}/comments/", {"text": "Makin parah"}, format="json"
    )
    reply = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/comments/", {"text": "Kami cek besok"}, format="json"
    )
    note = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/comments/",
        {"text": "Butuh alat berat", "public": False},
        format="json",
    )

    assert mine.status_code == reply.status_code == note.status_code == 201
    assert mine.json()["by_reporter"] is True and mine.json()["organisation"] is None
    assert reply.json()["kind"] == "comment"
    assert note.json()["kind"] == "note" and note.json()["public"] is False
    timeline = cast.client(cast.resident).get(f"{URL}{complaint.public_id}/").json()["timeline"]
    assert [e["text"] for e in timeline] == ["", "Makin parah", "Kami cek besok"]


def test_a_comment_may_bring_photos(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = cast.client(cast.resident).post(
        f"{URL}{complaint.public_id}/comments/",
        {"text": "Foto terbaru", "photos": [photo()]},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    (attachment,) = response.json()["attachments"]
    assert attachment["url"].startswith("http://testserver/media/s/")


def test_a_comment_needs_text(cast):
    complaint = factories.complaint(reporter=cast.resident)

    for text in ("", "x" * 4001):
        response = cast.client(cast.resident).post(
            f"{URL}{complaint.public_id}/comments/", {"text": text}, format="json"
        )
        assert response.status_code == 400
        assert "text" in response.json()["error"]["fields"]


def test_a_resident_supports_a_complaint_once(cast, other_resident):
    complaint = factories.complaint(reporter=cast.resident, public=True)
    client = cast.client(other_resident)

    first = client.post(f"{URL}{complaint.public_id}/support/")
    second = client.post(f"{URL}{complaint.public_id}/support/")

    assert first.status_code == 201
    assert first.json() == {"support_count": 1}
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_supported"
    assert Support.objects.count() == 1


def test_a_retried_support_with_its_key_replays_instead_of_conflicting(cast, other_resident):
    complaint = factories.complaint(reporter=cast.resident, public=True)
    client = cast.client(other_resident)
    path = f"{URL}{complaint.public_id}/support/"

    first = client.post(path, HTTP_IDEMPOTENCY_KEY="me-too-1")
    again = client.post(path, HTTP_IDEMPOTENCY_KEY="me-too-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == {"support_count": 1}
    assert Support.objects.count() == 1


def test_the_reporter_cannot_support_their_own(cast):
    complaint = factories.complaint(reporter=cast.resident, public=True)

    response = cast.client(cast.resident).post(f"{URL}{complaint.public_id}/support/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "support_not_allowed"


def test_a_resident_supports_a_private_open_complaint_similar_showed(cast, other_resident):
    complaint = factories.complaint(reporter=cast.resident)

    similar = cast.client(other_resident).get(
        f"{URL}similar/", {"lat": NEAR_MONAS[0], "lon": NEAR_MONAS[1], "category": "jalan-rusak"}
    )
    (row,) = similar.json()
    response = cast.client(other_resident).post(f"{URL}{row['id']}/support/")

    assert response.status_code == 201
    assert Support.objects.get().complaint == complaint


# --- similar ---------------------------------------------------------------------------------


def test_similar_lists_open_complaints_of_the_category_within_250_m(cast, other_resident):
    public = factories.complaint(reporter=cast.resident, public=True)
    private = factories.complaint(reporter=cast.resident, at=NEAR_MONAS)
    factories.complaint(reporter=cast.resident, code="sampah", public=True)
    factories.complaint(reporter=cast.resident, at=KOJA, public=True)

    response = cast.client(other_resident).get(
        f"{URL}similar/", {"lat": MONAS[0], "lon": MONAS[1], "category": "jalan-rusak"}
    )

    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [str(public.public_id), str(private.public_id)]
    assert rows[0]["description"] == public.description
    assert rows[1]["description"] == "" and rows[1]["photos"] == []
    assert rows[1]["distance_m"] < 250
    assert cast.resident.phone not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"lat": MONAS[0], "lon": MONAS[1]}, "category"),
        ({"lat": MONAS[0], "lon": MONAS[1], "category": "no-such"}, "category"),
        ({"lon": MONAS[1], "category": "jalan-rusak"}, "lat"),
    ],
)
def test_similar_refuses_bad_parameters(cast, query, field):
    response = cast.client(cast.resident).get(f"{URL}similar/", query)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# --- transition ------------------------------------------------------------------------------


def test_triage_verifies_and_the_reporter_sees_it(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/transition/",
        {"to": "verified", "note": "Terverifikasi", "internal_note": "prioritas"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "verified"
    assert response.json()["due_at"] == response.json()["resolution_due_at"]
    timeline = cast.client(cast.resident).get(f"{URL}{complaint.public_id}/").json()["timeline"]
    assert [(e["kind"], e["to_status"], e["text"]) for e in timeline][-1] == (
        "status",
        "verified",
        "Terverifikasi",
    )
    assert "prioritas" not in json.dumps(timeline)


def test_a_move_with_a_note_marked_not_public_keeps_it_internal(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/transition/",
        {"to": "verified", "note": "Pelapor sering melapor", "public": False},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [(e["kind"], e["text"]) for e in response.json()["timeline"]][-2:] == [
        ("status", ""),
        ("note", "Pelapor sering melapor"),
    ]
    reporter_view = cast.client(cast.resident).get(f"{URL}{complaint.public_id}/")
    assert "Pelapor sering" not in reporter_view.content.decode()


def test_triage_dispatches_to_an_agency(cast):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.client(cast.triage_officer)
    client.post(f"{URL}{complaint.public_id}/transition/", {"to": "verified"}, format="json")

    response = client.post(
        f"{URL}{complaint.public_id}/transition/",
        {"to": "dispatched", "agency": "sudin-bina-marga-jakpus"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["agency"]["code"] == "sudin-bina-marga-jakpus"
    unknown = client.post(
        f"{URL}{complaint.public_id}/transition/",
        {"to": "in_progress", "agency": "no-such-office"},
        format="json",
    )
    assert unknown.status_code == 400
    assert "agency" in unknown.json()["error"]["fields"]


def test_a_move_the_workflow_does_not_allow_is_a_409(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/transition/", {"to": "resolved", "note": "x"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"


def test_a_raced_move_is_a_409(cast):
    complaint = factories.complaint(reporter=cast.resident)
    services.complaint_transition(
        actor=cast.triage_officer, complaint=complaint, to=Status.VERIFIED
    )

    response = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/transition/",
        {"to": "rejected", "expected": "submitted", "note": "Tidak jelas"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "status_changed"


def test_resolving_needs_a_response_and_may_bring_a_completion_photo(cast):
    complaint = factories.complaint(reporter=cast.resident)
    for to in (Status.VERIFIED, Status.DISPATCHED, Status.IN_PROGRESS):
        services.complaint_transition(actor=cast.triage_officer, complaint=complaint, to=to)
    client = cast.client(cast.triage_officer)
    path = f"{URL}{complaint.public_id}/transition/"

    bare = client.post(path, {"to": "resolved"}, format="json")
    done = client.post(
        path, {"to": "resolved", "note": "Sudah ditambal", "photos": [photo()]}, format="multipart"
    )

    assert bare.status_code == 400
    assert bare.json()["error"]["code"] == "invalid_transition"
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "resolved"
    assert body["response"] == "Sudah ditambal"
    assert body["reopen_until"] is not None
    (attachment,) = body["timeline"][-1]["attachments"]
    assert attachment["url"].startswith("http://testserver/media/s/")  # a private complaint's photo


def test_triage_marks_a_duplicate_of_a_nearby_original(cast, other_resident):
    original = factories.complaint(reporter=other_resident)
    repeat = factories.complaint(reporter=cast.resident, at=NEAR_MONAS)

    response = cast.client(cast.triage_officer).post(
        f"{URL}{repeat.public_id}/transition/",
        {"to": "duplicate", "duplicate_of": str(original.public_id)},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["duplicate_of"] == {
        "id": str(original.public_id),
        "ticket": original.ticket,
    }
    unknown = cast.client(cast.triage_officer).post(
        f"{URL}{original.public_id}/transition/",
        {"to": "duplicate", "duplicate_of": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert unknown.status_code == 400
    assert "duplicate_of" in unknown.json()["error"]["fields"]


def test_a_transition_to_no_status_is_a_400(cast):
    complaint = factories.complaint(reporter=cast.resident)

    response = cast.client(cast.triage_officer).post(
        f"{URL}{complaint.public_id}/transition/", {"to": "fixed"}, format="json"
    )

    assert response.status_code == 400
    assert "to" in response.json()["error"]["fields"]


# --- rating, reopen --------------------------------------------------------------------------


def test_the_reporter_rates_a_resolved_complaint_once(cast):
    complaint = factories.complaint(reporter=cast.resident)
    client = cast.client(cast.resident)
    path = f"{URL}{complaint.public_id}/rating/"

    early = client.post(path, {"stars": 5}, format="json")
    resolve(complaint, cast.triage_officer)
    rated = client.post(path, {"stars": 4, "comment": "Cepat"}, format="json")
    again = client.post(path, {"stars": 5}, format="json")

    assert early.status_code == 409
    assert early.json()["error"]["code"] == "rating_not_allowed"
    assert rated.status_code == 201, rated.json()
    assert rated.json()["rating"] == 4
    assert again.status_code == 409


@pytest.mark.parametrize("stars", [0, 6, "lima", None])
def test_a_rating_is_1_to_5_stars(cast, stars):
    complaint = factories.complaint(reporter=cast.resident)
    resolve(complaint, cast.triage_officer)
    body = {} if stars is None else {"stars": stars}

    response = cast.client(cast.resident).post(
        f"{URL}{complaint.public_id}/rating/", body, format="json"
    )

    assert response.status_code == 400
    assert "stars" in response.json()["error"]["fields"]


def test_the_reporter_reopens_within_the_window(cast):
    complaint = factories.complaint(reporter=cast.resident)
    resolve(complaint, cast.triage_officer)

    response = cast.client(cast.resident).post(
        f"{URL}{complaint.public_id}/reopen/", {"reason": "Masih berlubang"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    assert response.json()["reopen_count"] == 1


def test_reopening_after_the_window_is_a_409(cast):
    complaint = factories.complaint(reporter=cast.resident)
    resolve(complaint, cast.triage_officer)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = cast.client(cast.resident).post(
            f"{URL}{complaint.public_id}/reopen/", {"reason": "Masih berlubang"}, format="json"
        )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reopen_not_allowed"


def test_reopening_an_open_complaint_or_without_reason_is_refused(cast):
    complaint = factories.complaint(reporter=cast.resident)
    path = f"{URL}{complaint.public_id}/reopen/"

    open_one = cast.client(cast.resident).post(path, {"reason": "x"}, format="json")
    no_reason = cast.client(cast.resident).post(path, {}, format="json")

    assert open_one.status_code == 409
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["error"]["fields"]


# --- query counts ----------------------------------------------------------------------------


@pytest.fixture
def prepared_photo():
    from jaki.media.services import media_prepare

    return media_prepare(images.encoded("JPEG"))


def queries_of(client, path, **query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, query)  # warm: the signed-in session is then cached, as in production
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, query)
    assert response.status_code == 200, response.json()
    return len(context.captured_queries), response.json()


def test_the_feed_costs_the_same_queries_for_2_or_10_complaints(api_client, cast, prepared_photo):
    for _ in range(2):
        factories.complaint(reporter=cast.resident, public=True, photos=[prepared_photo])
    few, page = queries_of(api_client, URL)
    near_few, __ = queries_of(api_client, URL, lat=MONAS[0], lon=MONAS[1])
    for _ in range(8):
        factories.complaint(reporter=cast.resident, public=True, photos=[prepared_photo])

    many, page = queries_of(api_client, URL)
    near_many, near = queries_of(api_client, URL, lat=MONAS[0], lon=MONAS[1])

    assert len(page["results"]) == len(near["results"]) == 10
    assert many == few == 2  # the page, its photos
    assert near_many == near_few == 3  # the points in the box, the rows kept, their photos


def test_mine_costs_the_same_queries_for_2_or_10_complaints(cast, prepared_photo):
    client = cast.client(cast.resident)
    for _ in range(2):
        factories.complaint(reporter=cast.resident, photos=[prepared_photo])
    few, __ = queries_of(client, f"{URL}mine/")
    for _ in range(8):
        factories.complaint(reporter=cast.resident, photos=[prepared_photo])

    many, page = queries_of(client, f"{URL}mine/")

    assert len(page["results"]) == 10
    assert many == few == 3  # the user, the page, its photos


def test_the_detail_costs_the_same_queries_for_2_or_10_events(cast, prepared_photo):
    complaint = factories.complaint(reporter=cast.resident, photos=[prepared_photo])
    staff = cast.client(cast.triage_officer)
    path = f"{URL}{complaint.public_id}/"

    def comment():
        services.complaint_comment(
            actor=cast.triage_officer, complaint=complaint, text="cek", photos=[prepared_photo]
        )

    comment()
    few, __ = queries_of(staff, path)
    for _ in range(8):
        comment()

    many, body = queries_of(staff, path)

    assert len(body["timeline"]) == 10
    assert many == few <= 8


def test_no_complaint_read_loads_a_kelurahan_boundary(api_client, cast):
    """A boundary is a polygon of many kilobytes that no output shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint = factories.complaint(reporter=cast.resident, public=True)
    client = cast.client(cast.resident)
    with CaptureQueriesContext(connection) as context:
        api_client.get(URL)
        api_client.get(URL, {"lat": MONAS[0], "lon": MONAS[1]})
        api_client.get(f"{URL}{complaint.public_id}/")
        client.get(f"{URL}mine/")
        client.post(URL, report(), format="json")

    assert not [q["sql"] for q in context.captured_queries if "boundary" in q["sql"]]


def test_a_submit_without_photos_stays_lean(cast):
    """The user, the ticket, then in one transaction the complaint and its first event: the
    category, the office and the kelurahan come from memory, and the reporter, who knows, is
    not notified."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client(cast.resident)
    client.post(URL, report(), format="json")  # warm: the signed-in session is then cached
    with CaptureQueriesContext(connection) as context:
        response = client.post(URL, report(), format="json")

    assert response.status_code == 201
    writes = [q["sql"].split()[0] for q in context.captured_queries]
    # (Here the test's own transaction is around it, so the submit's is a savepoint.)
    assert writes == ["SELECT", "INSERT", "SAVEPOINT", "INSERT", "INSERT", "RELEASE"]


def test_a_category_edited_in_the_admin_applies_to_the_next_report(cast):
    """The catalogue is cached for submits; saving a category or a question forgets it."""
    client = cast.client(cast.resident)
    assert client.post(URL, report(), format="json").status_code == 201  # cached now
    category = Category.objects.get(code=report()["category"])
    category.questions.create(
        code="depth", datatype="number", required=True, label_id="Kedalaman", label_en="Depth"
    )

    unanswered = client.post(URL, report(), format="json")
    category.is_active = False
    category.save()
    closed = client.post(URL, report(), format="json")

    assert unanswered.status_code == 400
    assert unanswered.json()["error"]["code"] == "invalid_answers"
    assert closed.status_code == 400
    assert "category" in closed.json()["error"]["fields"]
