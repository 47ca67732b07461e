"""The BMKG poller on BMKG's real samples: autogempa (JSON and XML), gempaterkini, InaTEWS.
A quake of M >= 5 near Jakarta or any tsunami warning is drafted once; test messages, small
or distant quakes are ignored; a malformed feed is refused."""

import json

import pytest
from django.core.management import call_command
from django.utils import translation

from disasteralerts import bmkg, tasks
from disasteralerts.models import Alert, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The reasons are asserted in English; the project's default language is Indonesian."""
    with translation.override("en"):
        yield


def feed(shared_data, name: str) -> bytes:
    return (shared_data / "bmkg_gempa" / name).read_bytes()


def outcomes(events) -> list[str]:
    return [e.outcome for e in events]


@pytest.mark.parametrize(
    ("name", "magnitude", "lat", "lon"),
    [
        ("autogempa_20211004_ternate.xml", 4.7, 1.04, 126.96),
        ("autogempa_20211005_dompu.json", 4.5, -8.15, 118.10),
        ("autogempa_20211013_tambrauw_m5.json", 5.3, -0.14, 133.02),
        ("inatews_felt_20230514_ternate_m5.9.json", 5.9, 0.49, 126.90),
        ("inatews_m5plus_20230616_fiji_m6.9.json", 6.9, -22.82, -176.44),
        ("inatews_felt_20230621_larantuka_m2.7.json", 2.7, -8.34, 122.99),
    ],
)
def test_every_format_reads_the_epicentre_and_magnitude(shared_data, name, magnitude, lat, lon):
    (quake,) = bmkg.bmkg_parse(feed(shared_data, name))
    assert (quake.magnitude, quake.lat, quake.lon) == (magnitude, lat, lon)
    assert quake.time.tzinfo is not None


def test_inatews_times_are_wib_and_autogempa_times_utc(shared_data):
    (inatews,) = bmkg.bmkg_parse(feed(shared_data, "inatews_felt_20230608_pacitan_m6.0.json"))
    (auto,) = bmkg.bmkg_parse(feed(shared_data, "autogempa_20211005_dompu.json"))
    assert inatews.time.isoformat() == "2023-06-08T00:04:55+07:00"
    assert auto.time.isoformat() == "2021-10-05T11:00:27+00:00"


def test_distant_or_small_quakes_are_ignored_with_the_reason(shared_data):
    for name in (
        "autogempa_20211004_ternate.xml",
        "autogempa_20211013_tambrauw_m5.json",
        "inatews_felt_20230621_larantuka_m2.7.json",
        "inatews_felt_20230425_mentawai_m7.3.json",
    ):
        (event,) = bmkg.bmkg_import(data=feed(shared_data, name))
        assert event.outcome == "ignored" and event.reason, name
    assert not Alert.objects.exists()


def test_a_strong_quake_within_the_configured_distance_is_drafted_once(shared_data, settings):
    # Pacitan M6.0 lies ~490 km from Monas: beyond the default 250 km, within 600 km.
    data = feed(shared_data, "inatews_felt_20230608_pacitan_m6.0.json")
    (far,) = bmkg.bmkg_import(data=data)
    assert far.outcome == "ignored" and "km" in far.reason

    settings.ALERTS_BMKG_MAX_DISTANCE_KM = 600
    (first,) = bmkg.bmkg_import(data=data, source_ref="inatews")
    (second,) = bmkg.bmkg_import(data=data, source_ref="inatews")

    alert = first.alert
    assert first.outcome == "drafted" and second.outcome == "duplicate"
    assert alert.state == State.PENDING and alert.author is None and alert.source == "bmkg"
    assert alert.hazard == "earthquake"
    assert "M6.0" in alert.infos.get(language="id").description
    assert len(alert.areas.get().kelurahan) > 50  # all of Jakarta that is loaded


def test_a_tsunami_warning_is_drafted_whatever_the_distance(shared_data):
    events = bmkg.bmkg_import(
        data=feed(shared_data, "inatews_tsunami_pd1_20230425_mentawai_m7.3.json")
    )
    (event,) = events
    assert event.outcome == "drafted"
    assert event.alert.hazard == "tsunami" and event.identifier.startswith("bmkg-tsunami-")


def test_gempaterkini_drafts_the_flores_tsunami_once_and_ignores_the_rest(shared_data):
    events = bmkg.bmkg_import(data=feed(shared_data, "gempaterkini_20211214_flores_tsunami.json"))

    drafted = [e for e in events if e.outcome == "drafted"]
    assert len(events) == 15
    assert len(drafted) == 1 and "20211214T032023" in drafted[0].identifier
    assert set(outcomes(events)) <= {"drafted", "ignored", "duplicate"}
    assert Alert.objects.count() == 1


def test_bmkg_test_messages_are_ignored(shared_data):
    (event,) = bmkg.bmkg_import(
        data=feed(shared_data, "inatews_TEST_tsunami_pd4_ended_20231025.json")
    )
    assert event.outcome == "ignored" and "test" in event.reason.lower()
    assert not Alert.objects.exists()


def test_the_same_quake_from_two_formats_is_one_draft(shared_data, settings):
    settings.ALERTS_BMKG_MAX_DISTANCE_KM = 10_000
    gempa = json.loads(feed(shared_data, "autogempa_20211013_tambrauw_m5.json"))
    as_list = {"Infogempa": {"gempa": [gempa["Infogempa"]["gempa"]]}}
    (first,) = bmkg.bmkg_import(data=feed(shared_data, "autogempa_20211013_tambrauw_m5.json"))
    (second,) = bmkg.bmkg_import(data=json.dumps(as_list).encode())
    assert (first.outcome, second.outcome) == ("drafted", "duplicate")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"Infogempa": {"gempa": {"Magnitude": "5"}}}',
        b'{"Infogempa": {"gempa": {"DateTime": "x", "Coordinates": "1,2", "Magnitude": "5"}}}',
        b'{"Infogempa": {"gempa": {"DateTime": "2021-10-05T11:00:27+00:00", '
        b'"Coordinates": "95,400", "Magnitude": "5"}}}',
        b'{"identifier": "x", "info": {"magnitude": "NaN"}}',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Infogempa/>',
        b"<Infogempa><gempa>",
    ],
)
def test_a_malformed_feed_is_refused(data):
    with pytest.raises(bmkg.BmkgRefused) as refused:
        bmkg.bmkg_import(data=data)
    assert refused.value.status_code == 400
    assert not Alert.objects.exists()


def test_the_command_reads_every_sample(shared_data, capsys):
    paths = sorted(
        str(p) for p in (shared_data / "bmkg_gempa").glob("*.json") if "geojson" not in p.name
    )
    paths.append(str(shared_data / "bmkg_gempa" / "autogempa_20211004_ternate.xml"))

    call_command("poll_bmkg", *paths)

    out = capsys.readouterr().out
    drafted = [line for line in out.splitlines() if line.startswith("drafted")]
    assert len(drafted) == 2  # the Flores and Mentawai tsunami warnings
    assert "test message" in out


def test_the_periodic_poll_fetches_the_configured_feeds(shared_data, feed_server, settings):
    settings.ALERTS_BMKG_URLS = [
        feed_server(
            "/TEWS/gempaterkini.json",
            feed(shared_data, "gempaterkini_20211214_flores_tsunami.json"),
        ),
        feed_server("/TEWS/autogempa.json", b"<html>maintenance</html>"),
        feed_server("/TEWS/down.json", b"", status=503),
    ]

    counts = tasks.poll_bmkg.apply().get()
    again = tasks.poll_bmkg.apply().get()

    assert counts["drafted"] == 1 and counts["refused"] == 2
    # The Flores quake is listed 4 times (one with BMKG's first, revised figures): no new draft.
    assert again["duplicate"] == 4 and "drafted" not in again
