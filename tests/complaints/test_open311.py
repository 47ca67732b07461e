"""Open311 GeoReport v2 from the outside: what a client of /open311/v2/ reads and posts, in both
formats, against real Jakarta (the bundled boundaries of Jakarta Pusat and Utara)."""

import io
import logging
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, Event
from jaki.apikeys.services import api_key_create, api_key_revoke
from tests.complaints import factories
from tests.complaints.conftest import KOJA, MONAS, OUTSIDE

BASE = "/open311/v2"
FORMATS = ["json", "xml"]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def key(db) -> str:
    return api_key_create(name="FixMyStreet", scopes=["open311:submit"]).plaintext


def parse_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def element_dict(element: ET.Element) -> dict:
    return {child.tag: (child.text or "") for child in element}


def read(response, fmt: str, *, root: str, item: str) -> list[dict]:
    """A list response in either format as a list of flat dicts (XML values are text)."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json"
        return response.json()
    tree = parse_xml(response)
    assert tree.tag == root
    assert all(child.tag == item for child in tree)
    return [element_dict(child) for child in tree]


def errors(response, fmt: str) -> list[dict]:
    if fmt == "json":
        body = response.json()
        return [{"code": str(e["code"]), "description": e["description"]} for e in body]
    tree = parse_xml(response)
    assert tree.tag == "errors"
    return [element_dict(child) for child in tree.findall("error")]


def requests_of(client, fmt: str = "json", **params) -> list[dict]:
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 200, response.content
    return read(response, fmt, root="service_requests", item="request")


def post(client, fmt: str = "json", **fields):
    return client.post(f"{BASE}/requests.{fmt}", fields)


def tree_form(key: str, **extra) -> dict:
    return {
        "api_key": key,
        "service_code": "pohon",
        "lat": MONAS[0],
        "long": MONAS[1],
        "attribute[menghalangi-jalan]": "ya",
        "description": "Pohon tumbang menutup jalan.",
        **extra,
    }


def resolve(complaint: Complaint, actor, note: str = "Pohon sudah dipotong.") -> Complaint:
    for to in ("verified", "dispatched", "in_progress"):
        complaint = services.complaint_transition(actor=actor, complaint=complaint, to=to)
    return services.complaint_transition(actor=actor, complaint=complaint, to="resolved", note=note)


# --- discovery and services ------------------------------------------------------------------


def test_discovery_names_the_specification_and_both_formats(client, db):
    as_json = client.get(f"{BASE}/discovery.json").json()
    endpoint = as_json["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]

    tree = parse_xml(client.get(f"{BASE}/discovery.xml"))
    assert tree.tag == "discovery"
    assert tree.findtext("changeset") == as_json["changeset"]
    assert tree.findtext("endpoints/endpoint/specification") == endpoint["specification"]
    assert [f.text for f in tree.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_every_active_category(client, db, fmt):
    response = client.get(f"{BASE}/services.{fmt}")
    services_ = read(response, fmt, root="services", item="service")

    by_code = {s["service_code"]: s for s in services_}
    assert {"jalan-rusak", "pohon", "banjir"} <= set(by_code)
    pohon = by_code["pohon"]
    assert pohon["service_name"] == "Pohon Tumbang atau Rawan Tumbang"
    assert pohon["type"] == "realtime"
    assert set(pohon) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert pohon["metadata"] in (True, "true")
    without_questions = next(s for s in services_ if s["service_code"] == "lainnya")
    assert without_questions["metadata"] in (False, "false")


def test_services_speak_the_requests_language(client, db):
    response = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    pohon = next(s for s in response.json() if s["service_code"] == "pohon")
    assert pohon["service_name"] != "Pohon Tumbang atau Rawan Tumbang"


def test_a_service_definition_lists_its_questions_as_attributes_in_json(client, db):
    body = client.get(f"{BASE}/services/pohon.json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["service_code"] == "pohon"
    (attribute,) = body["attributes"]
    assert attribute == {
        "variable": True,
        "code": "menghalangi-jalan",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "The key of one of the values.",
        "order": attribute["order"],
        "description": "Does the tree block the road?",
        "values": [{"key": "ya", "name": "Yes"}, {"key": "tidak", "name": "No"}],
    }
    assert isinstance(attribute["order"], int)


def test_a_service_definition_in_xml(client, db):
    tree = parse_xml(client.get(f"{BASE}/services/pohon.xml"))

    assert tree.tag == "service_definition"
    assert tree.findtext("service_code") == "pohon"
    attribute = tree.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("code") == "menghalangi-jalan"
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("description") == "Apakah pohon menghalangi jalan?"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["ya", "tidak"]
    assert [v.findtext("name") for v in attribute.findall("values/value")] == ["Ya", "Tidak"]


def test_a_number_attribute_has_no_values(client, db):
    (attribute,) = client.get(f"{BASE}/services/banjir.json").json()["attributes"]
    assert attribute["datatype"] == "number"
    assert attribute["required"] is False
    assert attribute["values"] == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_is_a_404_error(client, db, fmt):
    response = client.get(f"{BASE}/services/tidak-ada.{fmt}")
    assert response.status_code == 404
    (error,) = errors(response, fmt)
    assert error["code"] == "404"
    assert "tidak-ada" in error["description"]


@pytest.mark.parametrize("path", ["/nothing.xml", "/services.csv", "/services", "/requests/"])
def test_any_other_address_is_a_404_in_xml(client, db, path):
    response = client.get(BASE + path)
    assert response.status_code == 404
    assert errors(response, "xml")[0]["code"] == "404"


def test_any_other_json_address_is_a_404_in_json(client, db):
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


def test_another_jurisdiction_is_a_404(client, db):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "chicago"})
    assert response.status_code == 404
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "31"}).status_code == 200


# --- POST requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_with_a_key_submits_a_request(client, key, fmt):
    response = post(
        client,
        fmt,
        **tree_form(
            key,
            first_name="Ani",
            last_name="Lestari",
            email="ani@example.id",
            phone="081234000111",
            device_id="dev-1",
            address_string="Jl. Medan Merdeka Barat",
        ),
    )

    assert response.status_code == 201, response.content
    (created,) = read(response, fmt, root="service_requests", item="request")
    complaint = Complaint.objects.get()
    assert created["service_request_id"] == complaint.ticket
    assert created["token"] == str(complaint.public_id)
    assert complaint.source == Complaint.Source.OPEN311
    assert complaint.api_key.name == "FixMyStreet"
    assert complaint.reporter is None
    assert complaint.reporter_name == "Ani Lestari"
    assert complaint.contact_email == "ani@example.id"
    assert complaint.contact_phone == "081234000111"
    assert complaint.device_id == "dev-1"
    assert complaint.address == "Jl. Medan Merdeka Barat"
    assert complaint.answers == {"menghalangi-jalan": "ya"}
    assert complaint.kelurahan.code == "31.71.01.1001"
    assert complaint.public is False
    assert complaint.events.get().kind == Event.Kind.SUBMITTED


def test_the_public_extension_makes_the_details_public(client, key):
    post(client, **tree_form(key, public="true"))
    assert Complaint.objects.get().public is True


def test_media_url_is_not_fetched_and_the_notice_says_so(client, key):
    response = post(client, **tree_form(key, media_url="https://example.org/tree.jpg"))

    assert response.status_code == 201
    assert "media_url" in response.json()[0]["service_notice"]
    assert Complaint.objects.get().photos.count() == 0


def test_a_key_in_the_query_string_is_not_read(client, key):
    form = tree_form(key)
    del form["api_key"]
    response = client.post(f"{BASE}/requests.json?api_key={key}", form)
    assert response.status_code == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_without_a_key_is_refused_with_403(client, db, fmt):
    form = tree_form("")
    del form["api_key"]
    response = post(client, fmt, **form)

    assert response.status_code == 403
    (error,) = errors(response, fmt)
    assert error["code"] == "403"
    assert "api_key" in error["description"]
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("bad", ["jaki_nope_nope", "garbage", "jaki_"])
def test_a_post_with_an_invalid_key_is_refused_with_403(client, key, bad):
    response = post(client, **tree_form(bad))
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert Complaint.objects.count() == 0


def test_a_revoked_key_is_refused(client, db):
    issued = api_key_create(name="Old client", scopes=["open311:submit"])
    api_key_revoke(api_key=issued.api_key, actor=None)
    assert post(client, **tree_form(issued.plaintext)).status_code == 403


def test_a_key_without_the_open311_scope_is_refused(client, db):
    from jaki.apikeys import scopes

    scopes.register("other:thing", "Something else")
    try:
        other = api_key_create(name="Sensor", scopes=["other:thing"]).plaintext
        response = post(client, **tree_form(other))
    finally:
        scopes.unregister("other:thing")
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_a_resident_signed_in_is_no_open311_client(cast, key):
    client = cast.client(cast.resident)
    form = tree_form(key)
    del form["api_key"]
    response = client.post(f"{BASE}/requests.json", form, format="multipart")
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_a_400(client, key, fmt):
    response = post(client, fmt, **tree_form(key, service_code="tidak-ada"))

    assert response.status_code == 400
    (error,) = errors(response, fmt)
    assert error["code"] == "400"
    assert error["description"].startswith("service_code:")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_point_outside_jakarta_is_a_400(client, key, fmt):
    response = post(client, fmt, **tree_form(key, lat=OUTSIDE[0], long=OUTSIDE[1]))

    assert response.status_code == 400
    (error,) = errors(response, fmt)
    assert error["description"].startswith("lat: ")  # in the request's language (id by default)
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_required_attribute_is_a_400(client, key, fmt):
    form = tree_form(key)
    del form["attribute[menghalangi-jalan]"]
    response = post(client, fmt, **form)

    assert response.status_code == 400
    (error,) = errors(response, fmt)
    assert error["description"].startswith("attribute[menghalangi-jalan]:")
    assert Complaint.objects.count() == 0


def test_an_attribute_outside_its_values_is_a_400(client, key):
    response = post(client, **tree_form(key, **{"attribute[menghalangi-jalan]": "mungkin"}))
    assert response.status_code == 400
    assert "ya, tidak" in response.json()[0]["description"]


def test_an_attribute_the_service_does_not_ask_is_a_400(client, key):
    response = post(client, **tree_form(key, **{"attribute[warna]": "hijau"}))
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("attribute[warna]:")


def test_a_number_attribute_is_checked(client, key):
    form = tree_form(key, service_code="banjir", **{"attribute[kedalaman-cm]": "dalam"})
    del form["attribute[menghalangi-jalan]"]
    assert post(client, **form).status_code == 400
    form["attribute[kedalaman-cm]"] = "40"
    assert post(client, **form).status_code == 201
    assert Complaint.objects.get().answers == {"kedalaman-cm": 40.0}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lat": "abc"}, "lat"),
        ({"long": None}, "long"),
        ({"lat": None, "long": None, "address_string": "Jl. Thamrin 1"}, "lat"),
        ({"description": "x" * 4001}, "description"),
        ({"email": "not-an-email"}, "email"),
        ({"lat": "95"}, "lat"),
        ({"description": "nul\x00"}, "description"),
        ({"first_name": "x" * 101}, "first_name"),
    ],
)
def test_bad_fields_are_400s_naming_the_field(client, key, change, field):
    form = {k: v for k, v in {**tree_form(key), **change}.items() if v is not None}
    response = post(client, **form)

    assert response.status_code == 400, response.content
    assert any(e["description"].startswith(f"{field}:") for e in response.json())
    assert Complaint.objects.count() == 0


def test_a_json_body_is_a_415(client, key):
    response = client.post(f"{BASE}/requests.json", tree_form(key), content_type="application/json")
    assert response.status_code == 415
    assert response.json()[0]["code"] == 415


def test_a_retried_post_with_an_idempotency_key_creates_one_request(client, key):
    first = client.post(f"{BASE}/requests.json", tree_form(key), HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{BASE}/requests.json", tree_form(key), HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Complaint.objects.count() == 1


def test_the_open311_key_command_prints_a_key_that_submits(client, db):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "Qlue", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()

    assert plaintext.startswith("jaki_")
    assert "open311:submit" in err.getvalue()
    assert post(client, **tree_form(plaintext)).status_code == 201
    assert Complaint.objects.get().api_key.name == "Qlue"


# --- GET requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_public_request_shows_its_details(client, cast, fmt):
    complaint = factories.complaint(
        reporter=cast.resident, public=True, address="Jl. Medan Merdeka Utara"
    )

    (row,) = requests_of(client, fmt)
    assert row["service_request_id"] == complaint.ticket
    assert row["status"] == "open"
    assert row["service_code"] == "jalan-rusak"
    assert row["service_name"] == "Jalan Rusak"
    assert row["description"] == "Jalan berlubang di depan halte."
    assert row["agency_responsible"] == "Kelurahan Gambir"
    assert row["address"] == "Jl. Medan Merdeka Utara"
    assert row["kelurahan_code"] == "31.71.01.1001"
    assert float(row["lat"]) == MONAS[0]
    assert float(row["long"]) == MONAS[1]
    assert row["requested_datetime"].endswith("+07:00")
    assert row["expected_datetime"].endswith("+07:00")
    for name in ("status_notes", "service_notice", "address_id", "zipcode", "media_url"):
        assert name in row


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_private_request_shows_no_details_and_nothing_of_its_reporter(client, key, cast, fmt):
    factories.complaint(
        reporter=cast.resident,
        description="Rahasia: lubang di depan rumah saya.",
        address="Jl. Rahasia 7",
        personal_details="Rumah nomor 7, pagar biru.",
    )
    factories.complaint(
        reporter=cast.resident,
        code="parkir-liar",
        public=True,
        answers={"nomor-polisi": "B 1234 XYZ"},
    )
    post(
        client,
        **tree_form(
            key,
            first_name="Ani",
            last_name="Lestari",
            email="ani@example.id",
            phone="081234000111",
            description="Pohon di depan rumah Ani.",
        ),
    )

    rows = requests_of(client, fmt)
    by_code = {row["service_code"]: row for row in rows}
    private = by_code["jalan-rusak"]
    assert private["description"] == ""
    assert private["address"] == "Gambir"  # the kelurahan, not the street
    assert private["lat"] in (None, "")
    assert private["long"] in (None, "")
    assert by_code["pohon"]["description"] == ""
    assert by_code["parkir-liar"]["description"] != ""

    detail = client.get(f"{BASE}/requests/{by_code['pohon']['service_request_id']}.{fmt}")
    bodies = [client.get(f"{BASE}/requests.{fmt}").content, detail.content]
    for body in bodies:
        text = body.decode()
        for secret in (
            "Rahasia",
            "Jl. Rahasia",
            "pagar biru",
            "B 1234 XYZ",
            "Ani",
            "Lestari",
            "ani@example.id",
            "081234000111",
            cast.resident.name,
            cast.resident.phone,
        ):
            assert secret not in text


def test_a_rejected_request_is_closed_and_shows_no_details(client, cast):
    complaint = factories.complaint(reporter=cast.resident, public=True)
    services.complaint_transition(
        actor=cast.triage_officer, complaint=complaint, to="rejected", note="Iklan."
    )

    (row,) = requests_of(client)
    assert row["status"] == "closed"
    assert row["description"] == ""
    assert row["status_notes"] == ""


def test_a_resolved_request_is_closed_with_the_response_as_notes(client, cast):
    complaint = factories.complaint(reporter=cast.resident, public=True)
    resolve(complaint, cast.triage_officer, note="Lubang sudah ditambal.")

    (row,) = requests_of(client, "xml")
    assert row["status"] == "closed"
    assert row["status_notes"] == "Lubang sudah ditambal."
    assert row["expected_datetime"] == ""


def test_the_status_filter_maps_open_and_closed(client, cast):
    open_one = factories.complaint(reporter=cast.resident)
    closed_one = resolve(factories.complaint(reporter=cast.resident), cast.triage_officer)

    def ids(**params):
        return [row["service_request_id"] for row in requests_of(client, **params)]

    assert ids(status="open") == [open_one.ticket]
    assert ids(status="closed") == [closed_one.ticket]
    assert set(ids(status="open,closed")) == {open_one.ticket, closed_one.ticket}


def test_the_service_code_filter_takes_a_comma_list(client, cast):
    factories.complaint(reporter=cast.resident, code="jalan-rusak")
    factories.complaint(reporter=cast.resident, code="banjir")
    factories.complaint(reporter=cast.resident, code="lampu-jalan")

    rows = requests_of(client, service_code="banjir,lampu-jalan")
    assert sorted(row["service_code"] for row in rows) == ["banjir", "lampu-jalan"]


def test_service_request_ids_pick_those_and_ignore_every_other_filter(client, cast):
    first = factories.complaint(reporter=cast.resident)
    second = factories.complaint(reporter=cast.resident, at=KOJA)
    factories.complaint(reporter=cast.resident)

    rows = requests_of(
        client, service_request_id=f"{first.ticket}, {second.ticket}", status="closed"
    )
    assert sorted(row["service_request_id"] for row in rows) == [first.ticket, second.ticket]
    koja = next(row for row in rows if row["service_request_id"] == second.ticket)
    assert koja["kelurahan_code"] == second.kelurahan.code
    assert koja["kelurahan_code"].startswith("31.72.")  # Jakarta Utara, Kemendagri


def test_the_default_window_is_the_last_90_days(client, cast):
    with time_machine.travel("2026-08-01 10:00:00+07:00", tick=False):
        old = factories.complaint(reporter=cast.resident)
    with time_machine.travel("2026-12-01 10:00:00+07:00", tick=False):
        recent = factories.complaint(reporter=cast.resident)
    with time_machine.travel("2026-12-07 10:00:00+07:00", tick=False):
        assert [r["service_request_id"] for r in requests_of(client)] == [recent.ticket]
        rows = requests_of(
            client, start_date="2026-07-15T00:00:00+07:00", end_date="2026-08-15T00:00:00+07:00"
        )
        assert [r["service_request_id"] for r in rows] == [old.ticket]
        rows = requests_of(client, start_date="2026-07-15T00:00:00+07:00")
        assert [r["service_request_id"] for r in rows] == [old.ticket]
        rows = requests_of(client, end_date="2026-12-01T09:00:00+07:00")
        assert rows == []


@pytest.mark.parametrize(
    "params, field",
    [
        (
            {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"},
            "end_date",
        ),
        (
            {"start_date": "2026-06-01T00:00:00+07:00", "end_date": "2026-05-01T00:00:00+07:00"},
            "end_date",
        ),
        ({"start_date": "yesterday"}, "start_date"),
        ({"status": "pending"}, "status"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"service_code": ""}, "service_code"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_query_parameters_are_400s(client, db, params, field, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)

    assert response.status_code == 400
    assert errors(response, fmt)[0]["description"].startswith(f"{field}:")


def test_pages_walk_newest_first_with_a_next_link(client, cast):
    tickets = []
    for minute in range(5):
        with time_machine.travel(timezone.now() - timedelta(minutes=10 - minute), tick=False):
            tickets.append(factories.complaint(reporter=cast.resident).ticket)
    newest_first = list(reversed(tickets))

    response = client.get(f"{BASE}/requests.json", {"page_size": 2})
    assert [r["service_request_id"] for r in response.json()] == newest_first[:2]
    assert "page=2" in response["Link"] and 'rel="next"' in response["Link"]
    page_2 = requests_of(client, page_size=2, page=2)
    assert [r["service_request_id"] for r in page_2] == newest_first[2:4]
    last = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 3})
    assert [r["service_request_id"] for r in last.json()] == newest_first[4:]
    assert "Link" not in last
    assert requests_of(client, page_size=2, page=4) == []


def test_a_page_size_over_the_maximum_gives_the_maximum(client, cast):
    factories.complaint(reporter=cast.resident)
    assert len(requests_of(client, page_size=100_000)) == 1


def test_the_requests_list_reads_in_constant_queries(client, cast, key):
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            for fmt in FORMATS:
                assert client.get(f"{BASE}/requests.{fmt}").status_code == 200
        return len(captured)

    factories.complaint(reporter=cast.resident, public=True)
    few = count_queries()
    for at in (MONAS, KOJA, MONAS):
        factories.complaint(reporter=cast.resident, at=at, public=True)
    duplicate = factories.complaint(reporter=cast.resident)
    original = factories.complaint(reporter=cast.resident)
    services.complaint_transition(
        actor=cast.triage_officer, complaint=duplicate, to="duplicate", duplicate_of=original
    )
    post(client, **tree_form(key))
    many = count_queries()

    assert many == few
    assert few <= 2 * 3  # per format: complaints, their photos and nothing else worth naming


# --- one request and tokens ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_a_list_of_one(client, cast, fmt):
    complaint = factories.complaint(reporter=cast.resident, public=True)

    response = client.get(f"{BASE}/requests/{complaint.ticket}.{fmt}")
    (row,) = read(response, fmt, root="service_requests", item="request")
    assert row["service_request_id"] == complaint.ticket
    assert row["description"] == complaint.description


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_a_404(client, db, fmt):
    response = client.get(f"{BASE}/requests/JKT-2026-999999.{fmt}")
    assert response.status_code == 404
    assert errors(response, fmt)[0]["code"] == "404"


def test_a_duplicate_names_its_original_in_the_notes(client, cast):
    original = factories.complaint(reporter=cast.resident, public=True)
    duplicate = factories.complaint(reporter=cast.resident, public=True)
    services.complaint_transition(
        actor=cast.triage_officer, complaint=duplicate, to="duplicate", duplicate_of=original
    )

    (row,) = read(
        client.get(f"{BASE}/requests/{duplicate.ticket}.json"),
        "json",
        root="service_requests",
        item="request",
    )
    assert row["status"] == "closed"
    assert original.ticket in row["status_notes"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_the_service_request_id(client, key, fmt):
    created = post(client, **tree_form(key)).json()[0]

    response = client.get(f"{BASE}/tokens/{created['token']}.{fmt}")
    (row,) = read(response, fmt, root="service_requests", item="request")
    assert row == {"service_request_id": created["service_request_id"], "token": created["token"]}


@pytest.mark.parametrize("token", ["00000000-0000-0000-0000-000000000000", "not-a-token"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_token_is_a_404(client, db, token, fmt):
    response = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert response.status_code == 404
    assert errors(response, fmt)[0]["code"] == "404"


def test_reads_need_no_key_and_writes_are_only_posts(client, db):
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405
    assert response.json()[0]["code"] == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


def test_a_post_for_another_jurisdiction_is_a_404(client, key):
    response = post(client, **tree_form(key, jurisdiction_id="chicago"))
    assert response.status_code == 404
    assert Complaint.objects.count() == 0


def test_xml_holds_markup_and_leaves_out_what_xml_cannot_hold(client, cast):
    complaint = factories.complaint(
        reporter=cast.resident, public=True, description="Lubang <besar> & dalam\x0b\x1b ✓"
    )

    (row,) = requests_of(client, "xml")
    assert row["description"] == "Lubang <besar> & dalam ✓"
    (as_json,) = requests_of(client, "json")
    assert as_json["description"] == complaint.description


def test_a_multivaluelist_attribute_takes_repeated_fields(client, key):
    from complaints.models import Category, Question

    Question.objects.create(
        category=Category.objects.get(code="lainnya"),
        code="jenis",
        datatype=Question.Datatype.MULTI,
        label_id="Jenis masalah",
        label_en="Kind of problem",
        values=[
            {"key": "bau", "name_id": "Bau", "name_en": "Smell"},
            {"key": "bising", "name_id": "Bising", "name_en": "Noise"},
        ],
    )
    form = tree_form(key, service_code="lainnya")
    del form["attribute[menghalangi-jalan]"]
    form["attribute[jenis][]"] = ["bising", "bau"]

    response = post(client, **form)

    assert response.status_code == 201, response.content
    assert Complaint.objects.get().answers == {"jenis": ["bau", "bising"]}
    (attribute,) = client.get(f"{BASE}/services/lainnya.json").json()["attributes"]
    assert attribute["datatype"] == "multivaluelist"
    assert [v["key"] for v in attribute["values"]] == ["bau", "bising"]


def test_null_characters_are_refused_not_stored(client, key):
    form = tree_form(key, service_code="lampu-jalan", **{"attribute[nomor-tiang]": "a\x00"})
    del form["attribute[menghalangi-jalan]"]

    response = post(client, **form)

    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("attribute[nomor-tiang]:")
    assert client.get(f"{BASE}/requests/a%00b.json").status_code == 404
    assert client.get(f"{BASE}/tokens/a%00b.xml").status_code == 404


def test_no_contact_or_key_reaches_the_logs(client, key, caplog):
    caplog.set_level(logging.INFO)
    contact = {"first_name": "Ani", "email": "ani@example.id", "phone": "081234000111"}

    assert post(client, **tree_form(key, **contact)).status_code == 201
    assert post(client, **tree_form(key, lat="x", **contact)).status_code == 400
    assert (
        post(client, **tree_form(key, lat=OUTSIDE[0], long=OUTSIDE[1], **contact)).status_code
        == 400
    )
    assert post(client, **tree_form("jaki_abc_def", **contact)).status_code == 403

    logged = caplog.text
    assert "/open311/v2/requests.json" in logged  # the 4xx lines are there, and only them
    for secret in ("ani@example.id", "081234000111", key, key.rsplit("_", 1)[-1]):
        assert secret not in logged


def test_a_key_over_its_rate_gets_a_429_georeport_error(client, db):
    limited = api_key_create(name="Busy client", scopes=["open311:submit"], rate="1/min")

    assert post(client, **tree_form(limited.plaintext)).status_code == 201
    response = post(client, "xml", **tree_form(limited.plaintext))

    assert response.status_code == 429
    assert errors(response, "xml")[0]["code"] == "429"
    assert int(response["Retry-After"]) > 0
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("viewer", ["resident", "other_kota_officer", "triage_officer"])
def test_a_signed_in_viewer_reads_what_anyone_reads(cast, viewer):
    """Open311 is anonymous: a token neither opens a private complaint to its reporter nor
    to staff here (they have the app and the admin)."""
    factories.complaint(reporter=cast.resident, description="Rahasia warga.")
    anonymous = requests_of(Client())

    signed_in = cast.client(getattr(cast, viewer)).get(f"{BASE}/requests.json").json()

    assert signed_in == anonymous
    assert signed_in[0]["description"] == ""


def test_an_address_with_control_characters_is_still_a_georeport_404(client):
    response = client.get("/open311/v2/services/%C3%B0%22%5E%0A%10.xml")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("text/html")
