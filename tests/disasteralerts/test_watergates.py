"""Water gates: the seeded thresholds, the DSDA snapshot, and the rule that drafts a flood
warning once per rise (on the real Manggarai hourly levels), readings stored once."""

import csv
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from disasteralerts import watergates
from disasteralerts.models import Alert, GateReading, State, WaterGate

pytestmark = pytest.mark.django_db
WIB = timezone.get_fixed_timezone(7 * 60)


def gate(code: str) -> WaterGate:
    return WaterGate.objects.get(code=code)


def record(code: str, level: float, at: datetime | None = None, **kwargs):
    return watergates.reading_record(
        gate=gate(code), measured_at=at or timezone.now(), level_cm=level, source="test", **kwargs
    )


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        # DOMAIN.md: Katulampa 81-150 / 151-200 / >200; Manggarai 750 / 850 / 950.
        ("katulampa", {80: 4, 81: 3, 150: 3, 151: 2, 200: 2, 201: 1}),
        ("manggarai", {749: 4, 750: 3, 849: 3, 850: 2, 949: 2, 950: 1}),
        ("depok", {199: 4, 200: 3, 270: 2, 351: 1}),
    ],
)
def test_the_seeded_gates_hold_domain_thresholds(code, levels):
    seeded = gate(code)
    assert seeded.downstream_kelurahan and seeded.dsda_ref
    assert {level: seeded.siaga(level) for level in levels} == levels


def test_reaching_siaga_2_drafts_a_pending_flood_warning_for_the_downstream_kelurahan():
    result = record("manggarai", 860)

    alert = result.alert
    assert alert.state == State.PENDING and alert.author is None
    assert alert.source == "watergate" and alert.hazard == "flood"
    assert sorted(alert.areas.get().kelurahan) == sorted(gate("manggarai").downstream_kelurahan)
    assert result.reading.siaga == 2 and result.reading.alert == alert


def test_one_draft_per_rise_not_per_reading_and_again_after_the_water_falls():
    start = timezone.now() - timedelta(minutes=100)
    levels = [700, 780, 860, 880, 900, 870, 800, 860, 700, 860]  # a rise, a dip to 3, normal, rise
    drafted = [
        record("manggarai", level, start + timedelta(minutes=10 * i)).alert is not None
        for i, level in enumerate(levels)
    ]
    assert drafted == [False, False, True, False, False, False, False, False, False, True]


def test_climbing_on_to_siaga_1_drafts_once_more_in_the_same_rise():
    start = timezone.now() - timedelta(hours=1)
    drafted = [
        record("manggarai", level, start + timedelta(minutes=10 * i)).alert is not None
        for i, level in enumerate([860, 960, 900, 970])
    ]
    assert drafted == [True, True, False, False]
    assert Alert.objects.filter(source="watergate").count() == 2


def test_a_gate_whose_kelurahan_are_not_on_the_map_keeps_its_reading_and_drafts_nothing(
    caplog,
):
    # The tests' map holds Jakarta Pusat and Utara only; Katulampa's banks are further south.
    result = record("katulampa", 230)
    assert result.created and result.reading.siaga == 1 and result.alert is None
    assert "katulampa" in caplog.text
    assert gate("katulampa").drafted_siaga is None  # the next reading tries again


def test_the_same_reading_twice_is_stored_once_and_a_different_level_is_a_conflict():
    at = timezone.now()
    first = record("depok", 120, at)
    again = record("depok", 120, at)
    assert first.created and not again.created
    with pytest.raises(watergates.ReadingConflict):
        record("depok", 121, at)
    assert GateReading.objects.count() == 1


def test_late_or_stale_readings_are_kept_but_draft_nothing():
    now = timezone.now()
    record("manggarai", 700, now)
    late = record("manggarai", 900, now - timedelta(minutes=30))  # older than the newest
    stale = record("katulampa", 250, now - timedelta(days=2))  # a replayed batch
    assert late.alert is None and stale.alert is None
    assert gate("manggarai").last_level_cm == 700
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("level", "at", "field"),
    [
        (float("nan"), None, "level_cm"),
        (99_999, None, "level_cm"),
        ("850", None, "level_cm"),
        (850, datetime(2024, 5, 7, 13, 0), "measured_at"),  # no offset
        (850, timezone.now() + timedelta(hours=2), "measured_at"),
    ],
)
def test_impossible_values_are_a_clear_400(level, at, field):
    with pytest.raises(watergates.InvalidReading) as refused:
        watergates.reading_record(
            gate=gate("manggarai"),
            measured_at=at if at is not None else timezone.now(),
            level_cm=level,
            source="test",
        )
    assert field in refused.value.detail
    assert not GateReading.objects.exists()


def test_the_real_dsda_snapshot_loads_and_agrees_with_dsdas_siaga(shared_data, capsys):
    flood = shared_data / "flood"
    files = [
        str(flood / "jakarta_dsda_pintu_air_sluice_gates.geojson"),
        str(flood / "jakarta_dsda_pos_pengamatan_observation_posts.geojson"),
    ]
    call_command("load_water_gates", *files)
    call_command("load_water_gates", *files)  # again: nothing new

    out = capsys.readouterr().out
    assert "18 records" in out and "8 records" in out and "26 readings known" not in out
    assert GateReading.objects.count() == 26
    assert WaterGate.objects.count() == 26 + 3 - 3  # the seeded three matched by DSDA ref
    for code, level in (("manggarai", 680), ("katulampa", 10), ("depok", 100)):
        seeded = gate(code)
        assert seeded.last_level_cm == level and seeded.last_siaga == 4
    hek = WaterGate.objects.get(name="HEK PGC")
    assert hek.last_siaga == 2 and not hek.has_thresholds  # DSDA's own Siaga, kept
    assert not Alert.objects.exists()  # a 2024 snapshot warns nobody now


def test_a_malformed_snapshot_is_refused_whole(tmp_path, shared_data):
    data = json.loads(
        (shared_data / "flood" / "jakarta_dsda_pintu_air_sluice_gates.geojson").read_text()
    )
    del data["features"][3]["properties"]["ketinggian"]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="DSDA"):
        call_command("load_water_gates", str(bad))
    (tmp_path / "garbage.geojson").write_text("{")
    with pytest.raises(CommandError, match="GeoJSON"):
        call_command("load_water_gates", str(tmp_path / "garbage.geojson"))
    assert not GateReading.objects.exists()


# Hours below this are quiet water for every table the replays use (Siaga 3 at 700 cm and up):
# leaving them out keeps each rise and each return to normal, at a fraction of the readings.
QUIET_BELOW_CM = 690


def manggarai_hourly(shared_data) -> list[tuple[datetime, float]]:
    """The real 2024 hourly levels at Manggarai from the rises' approach on (QUIET_BELOW_CM)."""
    path = shared_data / "flood" / "pintu_air_manggarai_hourly_2024.csv"
    with path.open() as file:
        return [
            (datetime.fromisoformat(r["date"]).replace(tzinfo=WIB), float(level))
            for r in csv.DictReader(file)
            if (level := r["actual_water_level_manggarai"]) and float(level) >= QUIET_BELOW_CM
        ]


def test_the_real_manggarai_levels_of_2024_never_reach_siaga_2_and_draft_nothing(
    shared_data, settings
):
    settings.ALERTS_GATE_READING_MAX_AGE_MINUTES = 10**7  # replay history as if live
    rows = manggarai_hourly(shared_data)
    results = [record("manggarai", level, at) for at, level in rows]
    assert len(rows) > 200
    assert sum(r.reading.siaga == 3 for r in results) > 100  # it did reach waspada (750 cm)
    assert not Alert.objects.exists()


def test_the_real_manggarai_curve_drafts_once_per_rise_at_a_lower_threshold(shared_data, settings):
    """The same four months against a gate whose table (data) puts Siaga 2 at 740 cm: a draft
    each time the water reaches it after having been back to normal, never per reading."""
    settings.ALERTS_GATE_READING_MAX_AGE_MINUTES = 10**7
    WaterGate.objects.create(
        code="latihan",
        name="Latihan",
        siaga3_cm=700,
        siaga2_cm=740,
        siaga1_cm=760,
        downstream_kelurahan=gate("manggarai").downstream_kelurahan,
    )
    rows = manggarai_hourly(shared_data)
    expected, drafted_level = 0, None
    for _at, level in rows:
        siaga = 1 if level >= 760 else 2 if level >= 740 else 3 if level >= 700 else 4
        if siaga == 4:
            drafted_level = None
        elif siaga <= 2 and (drafted_level is None or siaga < drafted_level):
            expected, drafted_level = expected + 1, siaga

    drafts = sum(record("latihan", level, at).alert is not None for at, level in rows)

    assert drafts == expected and 0 < drafts < len(rows) / 20
    assert Alert.objects.filter(source="watergate", state=State.PENDING).count() == drafts
