"""Every hazard template fits CAP and WEA limits once filled, and drafts a valid warning."""

import pytest

from disasteralerts import services
from disasteralerts.hazards import HAZARDS, hazard_texts
from disasteralerts.models import LONG_TEXT_MAX, SHORT_TEXT_MAX
from tests.disasteralerts.conftest import GAMBIR

pytestmark = pytest.mark.django_db

TYPICAL_AREA = "Kampung Melayu, Bidara Cina"


def test_the_issues_seven_hazards_are_there():
    assert set(HAZARDS) == {
        "flood", "earthquake", "tsunami", "extreme_weather", "fire", "landslide", "air_pollution"
    }  # fmt: skip


@pytest.mark.parametrize("hazard", sorted(HAZARDS))
def test_filled_texts_stay_within_the_short_and_long_limits(hazard):
    for texts in hazard_texts(hazard, area=TYPICAL_AREA).values():
        assert len(texts["short_text"]) <= SHORT_TEXT_MAX
        assert len(texts["long_text"]) <= LONG_TEXT_MAX
        assert "{area}" not in "".join(texts.values())


@pytest.mark.parametrize("hazard", sorted(HAZARDS))
def test_each_template_drafts_a_valid_pending_warning_for_a_machine(hazard):
    alert = services.alert_draft_from_template(
        hazard=hazard,
        areas=[{"description": "Gambir", "kelurahan": [GAMBIR]}],
        source="watergate",
        source_ref="katulampa",
        pending=True,
    )

    assert alert.state == "pending" and alert.author is None
    assert alert.expires > alert.infos.get(language="id").effective
