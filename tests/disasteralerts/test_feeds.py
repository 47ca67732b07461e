"""The feeds: each warning as CAP 1.2 valid against the OASIS schema, and the Atom index."""

import re
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from tests.disasteralerts.conftest import GAMBIR, MONAS_SQUARE

pytestmark = pytest.mark.django_db

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
OFFSET_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


@cache
def cap_schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture
def assert_valid_cap(shared_data):
    schema = cap_schema(shared_data / "cap" / "CAP-v1.2.xsd")

    def check(body: bytes) -> etree._Element:
        document = etree.fromstring(body)
        assert schema.validate(document), schema.error_log
        return document

    return check


def test_the_schema_accepts_a_real_sample_and_refuses_a_z_time(shared_data, assert_valid_cap):
    sample = (shared_data / "cap" / "google-cap-library_thunderstorm.cap.xml").read_bytes()
    assert_valid_cap(sample)
    schema = cap_schema(shared_data / "cap" / "CAP-v1.2.xsd")
    broken = re.sub(rb"<sent>[^<]+</sent>", b"<sent>2026-12-07T03:00:00Z</sent>", sample)
    assert not schema.validate(etree.fromstring(broken))


def test_a_broadcast_warning_is_valid_cap_with_numeric_offsets(
    api_client, broadcast, assert_valid_cap
):
    alert = broadcast(
        areas=[
            {
                "description": "Monas",
                "polygons": [MONAS_SQUARE],
                "circles": [{"lat": -6.1754, "lon": 106.8272, "radius_km": 0.5}],
                "kelurahan": [GAMBIR],
            }
        ]
    )

    response = api_client.get(f"/alerts/{alert.public_id}.cap")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    document = assert_valid_cap(response.content)
    assert document.findtext(f"{CAP}identifier") == alert.identifier
    assert OFFSET_TIME.fullmatch(document.findtext(f"{CAP}sent"))
    assert document.findtext(f"{CAP}sent").endswith("+07:00")
    infos = document.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["id", "en"]
    area = infos[0].find(f"{CAP}area")
    assert area.findtext(f"{CAP}polygon").startswith("-6.173,106.8245 ")
    assert area.findtext(f"{CAP}circle") == "-6.1754,106.8272 0.5"
    assert area.find(f"{CAP}geocode").findtext(f"{CAP}value") == GAMBIR


def test_updates_and_cancels_carry_reference_triples(cast, api_client, broadcast, assert_valid_cap):
    from disasteralerts import services

    original = broadcast()
    cancel = services.alert_cancel(alert=original, user=cast.alert_author)

    document = assert_valid_cap(api_client.get(f"/alerts/{cancel.public_id}.cap").content)

    assert document.findtext(f"{CAP}msgType") == "Cancel"
    sender, identifier, sent = document.findtext(f"{CAP}references").split(",")
    assert (sender, identifier) == (original.sender, original.identifier)
    assert OFFSET_TIME.fullmatch(sent)
    assert document.findtext(f"{CAP}incidents") == original.identifier


@pytest.mark.parametrize("status", ["Test", "Exercise"])
def test_test_warnings_are_valid_cap_for_officers_and_hidden_from_the_public(
    cast, api_client, broadcast, assert_valid_cap, status
):
    alert = broadcast(status=status)

    assert api_client.get(f"/alerts/{alert.public_id}.cap").status_code == 404
    response = cast.admin_client(cast.alert_approver).get(f"/alerts/{alert.public_id}.cap")
    assert assert_valid_cap(response.content).findtext(f"{CAP}status") == status


def test_a_draft_is_valid_cap_for_officers(cast, draft, assert_valid_cap):
    alert = draft()

    response = cast.admin_client(cast.alert_author).get(f"/alerts/{alert.public_id}.cap")

    assert_valid_cap(response.content)


def test_the_atom_feed_lists_active_public_warnings_linking_their_cap(cast, api_client, broadcast):
    active = broadcast()
    broadcast(status="Test")
    cancelled = broadcast()
    from disasteralerts import services

    services.alert_cancel(alert=cancelled, user=cast.alert_author)

    response = api_client.get("/alerts/feed.atom")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [f"urn:uuid:{active.public_id}"]
    link = entries[0].find(f"{ATOM}link")
    assert link.get("type") == "application/cap+xml"
    assert link.get("href").endswith(f"/alerts/{active.public_id}.cap")
    assert api_client.get(link.get("href")).status_code == 200
    assert OFFSET_TIME.fullmatch(feed.findtext(f"{ATOM}updated"))
    assert len(response.content) < 100_000
