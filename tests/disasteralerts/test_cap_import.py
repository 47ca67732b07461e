"""The CAP importer: real samples parse (and are skipped, none is about Jakarta), a message
covering Jakarta becomes a pending draft once, hostile or malformed XML is refused."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from disasteralerts import intake, tasks
from disasteralerts.cap import alert_cap_xml
from disasteralerts.capxml import CapRefused, cap_parse
from disasteralerts.models import Alert, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The reasons are asserted in English; the project's default language is Indonesian."""
    with translation.override("en"):
        yield


SAMPLES = [
    "google-cap-library_43b080713727.cap.xml",
    "google-cap-library_australia.cap.xml",
    "google-cap-library_canada.cap.xml",
    "google-cap-library_canada_signed.cap.xml",
    "google-cap-library_thunderstorm.cap.xml",
    "google-cap-library_wcatwc-warning.cap.xml",
]
JAKARTA_POLYGON = "-6.173,106.8245 -6.173,106.83 -6.178,106.83 -6.178,106.8245 -6.173,106.8245"


def sample(shared_data, name: str) -> bytes:
    return (shared_data / "cap" / name).read_bytes()


def in_jakarta(data: bytes, identifier: str) -> bytes:
    """A real sample moved to Jakarta: its polygons replaced by a square at Monas."""
    text = data.decode()
    text = re.sub(r"<identifier>[^<]*</identifier>", f"<identifier>{identifier}</identifier>", text)
    text = re.sub(r"<polygon>[^<]*</polygon>", f"<polygon>{JAKARTA_POLYGON}</polygon>", text)
    return text.encode()


@pytest.mark.parametrize("name", SAMPLES)
def test_every_real_sample_parses_and_is_skipped_as_not_about_jakarta(shared_data, name):
    message = cap_parse(sample(shared_data, name))
    assert message["identifier"] and message["sent"].tzinfo is not None
    assert message["infos"] and message["infos"][0]["event"]

    result = intake.cap_import(data=sample(shared_data, name), source_ref=name)

    assert result.outcome == "skipped" and result.alert is None
    assert "Jakarta" in result.reason
    assert not Alert.objects.exists()


def test_the_australian_sample_with_a_cap_prefix_reads_the_same(shared_data):
    message = cap_parse(sample(shared_data, "google-cap-library_australia.cap.xml"))
    assert message["msg_type"] in ("Alert", "Update", "Cancel")
    assert message["infos"][0]["areas"][0]["description"]


def test_a_real_sample_moved_to_jakarta_becomes_a_pending_draft_once(shared_data, cast):
    data = in_jakarta(sample(shared_data, "google-cap-library_thunderstorm.cap.xml"), "T-1")

    result = intake.cap_import(data=data, source_ref="thunderstorm")
    again = intake.cap_import(data=data, source_ref="thunderstorm")

    alert = result.alert
    assert result.outcome == "drafted" and alert.state == State.PENDING
    assert alert.author is None and alert.source == "cap" and alert.identifier == "T-1"
    assert alert.areas.get().polygons[0][0] == [-6.173, 106.8245]
    assert again.outcome == "duplicate" and Alert.objects.count() == 1


def test_our_own_cap_round_trips_through_the_importer(broadcast):
    ours = broadcast()
    data = alert_cap_xml(ours).replace(ours.identifier.encode(), b"elsewhere-42")

    result = intake.cap_import(data=data, source_ref="roundtrip")

    assert result.outcome == "drafted"
    imported = result.alert
    assert imported.state == State.PENDING
    assert {i.language for i in imported.infos.all()} == {"id", "en"}
    assert imported.infos.get(language="id").short_text == ours.infos.get(language="id").short_text
    assert imported.areas.get().kelurahan == ours.areas.get().kelurahan


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>"""


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (BILLION_LAUGHS, "DTD"),
        (XXE, "DTD"),
        (EXTERNAL_DTD, "DTD"),
        (b"<alert><identifier>x</identifier>", "well-formed"),
        (b"", "empty"),
        (b"\xff\xfe<<<", "well-formed"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "CAP 1.2"),
        (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'/>", "CAP 1.2"),
        (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><sender>a</sender></alert>", "<"),
        (b"<a>" + b"x" * 1_000_001 + b"</a>", "larger"),
    ],
    ids=[
        "billion-laughs",
        "xxe",
        "external-dtd",
        "unclosed",
        "empty",
        "garbage",
        "atom",
        "cap-1.1",
        "no-identifier",
        "too-large",
    ],
)
def test_hostile_or_malformed_xml_is_refused_and_nothing_is_written(data, says):
    with pytest.raises(CapRefused) as refused:
        intake.cap_import(data=data)
    assert refused.value.status_code == 400
    assert says in str(refused.value.detail)
    assert not Alert.objects.exists()


def test_a_time_without_an_offset_is_refused(shared_data):
    data = sample(shared_data, "google-cap-library_thunderstorm.cap.xml")
    data = re.sub(rb"<sent>[^<]*</sent>", b"<sent>2003-06-17T14:57:00</sent>", data)
    with pytest.raises(CapRefused, match="offset"):
        cap_parse(data)


def test_a_jakarta_message_our_validation_refuses_is_a_clear_refusal(shared_data):
    data = in_jakarta(sample(shared_data, "google-cap-library_thunderstorm.cap.xml"), "T-2")
    data = data.replace(b"<urgency>Immediate</urgency>", b"<urgency>Soonish</urgency>")
    with pytest.raises(CapRefused, match="urgency"):
        intake.cap_import(data=data)
    assert not Alert.objects.exists()


def test_the_command_imports_files_and_reports_skips(shared_data, tmp_path, capsys):
    moved = tmp_path / "jakarta.cap.xml"
    moved.write_bytes(
        in_jakarta(sample(shared_data, "google-cap-library_thunderstorm.cap.xml"), "T-3")
    )
    paths = [str(shared_data / "cap" / name) for name in SAMPLES] + [str(moved)]

    call_command("import_cap", *paths)

    out = capsys.readouterr().out
    assert out.count("skipped") == len(SAMPLES)
    assert "drafted" in out and "pending approval" in out
    assert Alert.objects.get().identifier == "T-3"


def test_the_command_fails_on_a_refused_source_after_importing_the_rest(
    shared_data, tmp_path, capsys
):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(XXE)
    good = str(shared_data / "cap" / SAMPLES[0])
    with pytest.raises(CommandError, match="2 of 3"):
        call_command("import_cap", str(bad), good, str(tmp_path / "missing.xml"))
    captured = capsys.readouterr()
    assert "skipped" in captured.out and "refused" in captured.err


def test_the_periodic_task_reads_the_configured_urls(shared_data, feed_server, settings):
    good = in_jakarta(sample(shared_data, "google-cap-library_canada.cap.xml"), "CA-1")
    settings.ALERTS_CAP_URLS = [
        feed_server("/cap/jakarta.xml", good),
        feed_server("/cap/sample.xml", sample(shared_data, SAMPLES[4])),
        feed_server("/cap/hostile.xml", BILLION_LAUGHS),
        feed_server("/cap/gone.xml", b"", status=404),
    ]

    counts = tasks.import_cap_feeds.apply().get()
    again = tasks.import_cap_feeds.apply().get()

    assert counts == {"drafted": 1, "skipped": 1, "refused": 2}
    assert again == {"duplicate": 1, "skipped": 1, "refused": 2}
    assert Alert.objects.get().state == State.PENDING
