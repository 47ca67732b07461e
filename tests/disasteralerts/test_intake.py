"""The service the CAP and BMKG importers call: a parsed CAP message becomes a pending draft."""

from datetime import timedelta

import pytest
from django.utils import timezone

from disasteralerts import intake, services
from disasteralerts.models import State
from tests.disasteralerts.conftest import GAMBIR

pytestmark = pytest.mark.django_db


def message(**overrides) -> dict:
    sent = timezone.now()
    parsed = {
        "identifier": "BMKG-20261207-0001",
        "sender": "inatews@bmkg.go.id",
        "sent": sent,
        "status": "Actual",
        "msg_type": "Alert",
        "scope": "Public",
        "infos": [
            {
                "language": "id-ID",
                "category": ["Met"],
                "event": "Hujan lebat",
                "response_type": ["Prepare"],
                "urgency": "Expected",
                "severity": "Moderate",
                "certainty": "Likely",
                "expires": sent + timedelta(hours=3),
                "sender_name": "BMKG",
                "headline": "Hujan lebat di Jakarta Pusat",
                "parameters": {"CMAMtext": "Hujan lebat. Waspada genangan."},
                "areas": [
                    {
                        "description": "Gambir",
                        "polygons": ["-6.17,106.82 -6.17,106.83 -6.18,106.83 -6.17,106.82"],
                        "circles": ["-6.1754,106.8272 1.5"],
                        "geocodes": [("adm4", GAMBIR), ("SAME", "006113")],
                    }
                ],
            },
            {"language": "fr-CA", "event": "Pluie", "headline": "Pluie"},
            {"language": "en-US", "event": "Heavy rain", "headline": "Heavy rain in Jakarta"},
        ],
    }
    parsed.update(overrides)
    return parsed


def test_a_cap_message_becomes_a_pending_draft_with_no_author(cast):
    alert = intake.alert_draft_from_cap(message=message(), source_ref="file.xml")

    assert alert.state == State.PENDING and alert.author is None
    assert alert.identifier == "BMKG-20261207-0001"
    assert alert.source == "cap"
    assert sorted(i.language for i in alert.infos.all()) == ["en", "id"]
    assert alert.infos.get(language="id").short_text == "Hujan lebat. Waspada genangan."
    area = alert.areas.get()
    assert area.kelurahan == [GAMBIR]
    assert area.circles == [{"lat": -6.1754, "lon": 106.8272, "radius_km": 1.5}]
    assert area.polygons[0][0] == [-6.17, 106.82]


def test_any_approver_may_approve_an_imported_draft(cast):
    alert = intake.alert_draft_from_cap(message=message())

    approved = services.alert_approve(alert=alert, user=cast.alert_approver)

    assert approved.state == State.BROADCAST


def test_the_same_identifier_twice_is_a_duplicate(cast):
    intake.alert_draft_from_cap(message=message())

    with pytest.raises(services.DuplicateIdentifier):
        intake.alert_draft_from_cap(message=message())


def test_references_to_our_messages_become_links_and_others_stay_text(cast, broadcast):
    ours = broadcast()
    foreign = "x@y,OTHER-1,2026-12-07T09:00:00+07:00"
    triples = f"{ours.sender},{ours.identifier},2026-12-07T10:00:00+07:00 {foreign}"

    alert = intake.alert_draft_from_cap(
        message=message(msg_type="Update", references=triples, identifier="BMKG-2")
    )

    assert list(alert.references.all()) == [ours]
    assert alert.external_references == foreign


@pytest.mark.parametrize(
    "overrides",
    [
        {"infos": [{"language": "fr-CA", "event": "x", "headline": "x"}]},
        {"msg_type": "Ack"},
        {"identifier": "has space"},
    ],
)
def test_what_our_validation_refuses_is_a_400(cast, overrides):
    with pytest.raises(services.InvalidAlert):
        intake.alert_draft_from_cap(message=message(**overrides))


def test_a_cap_polygon_text_that_is_not_pairs_is_a_400(cast):
    bad = message()
    bad["infos"][0]["areas"][0]["polygons"] = ["-6.17;106.82 nonsense"]

    with pytest.raises(services.InvalidAlert):
        intake.alert_draft_from_cap(message=bad)
