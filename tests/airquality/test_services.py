"""The intake from the inside: row errors, idempotency, rollups kept as readings arrive, the
latest index, and the CSV import of Jakarta's real files."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from airquality import services
from airquality.models import DailyRollup, HourlyRollup, PublishedIspu, Reading, StationLatest
from tests.airquality.conftest import NOW, hours_of, reading

pytestmark = pytest.mark.usefixtures("frozen")


def codes(result):
    return [(e.index, e.code) for e in result.errors]


def test_each_bad_row_is_reported_with_its_index_and_the_good_rows_are_kept(stations):
    rows = [
        reading(),
        reading(station="NOPE"),
        reading(parameter="lead"),
        reading(value="12"),
        reading(parameter="pm25", unit="ppb"),
        reading(value=-1),
        reading(value=99_999),
        reading(time="2026-12-08T10:00:00"),
        reading(time=(NOW + timedelta(hours=1)).isoformat()),
        reading(time="yesterday"),
        "not an object",
        reading(parameter="no2", value=40, unit="ppb"),
    ]

    result = services.readings_ingest(rows=rows)

    assert codes(result) == [
        (1, "unknown_station"),
        (2, "unknown_parameter"),
        (3, "invalid_value"),
        (4, "wrong_unit"),
        (5, "implausible_value"),
        (6, "implausible_value"),
        (7, "time_without_offset"),
        (8, "time_in_future"),
        (9, "invalid_time"),
        (10, "invalid_row"),
    ]
    assert result.stored == 2
    assert Reading.objects.get(parameter="no2").value == pytest.approx(40 * 1.882)


def test_a_resent_batch_is_stored_once_and_counts_once_in_the_rollups(stations):
    rows = [reading(value=v, time=NOW - timedelta(minutes=m)) for v, m in [(10, 5), (20, 15)]]

    first = services.readings_ingest(rows=rows)
    again = services.readings_ingest(rows=rows + rows[:1])

    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates) == (0, 3)
    hour = HourlyRollup.objects.get()
    assert (hour.count, hour.sum, hour.min, hour.max) == (2, 30.0, 10.0, 20.0)
    assert Reading.objects.count() == 2


def test_rollups_grow_as_readings_arrive_with_their_coverage(stations):
    services.readings_ingest(rows=[reading(value=10, time=NOW - timedelta(minutes=20))])
    services.readings_ingest(rows=[reading(value=30, time=NOW - timedelta(minutes=10))])
    services.readings_ingest(rows=[reading(value=50, time=NOW - timedelta(hours=2))])

    hours = list(HourlyRollup.objects.order_by("hour").values_list("count", "sum"))
    day = DailyRollup.objects.get()
    assert hours == [(1, 50.0), (2, 40.0)]
    assert (day.count, day.sum, day.hours, day.min, day.max) == (3, 90.0, 2, 10.0, 50.0)
    assert day.day.isoformat() == "2026-12-08"  # Jakarta's day, not UTC's


def test_a_batch_over_the_limit_is_refused_whole(stations):
    with pytest.raises(services.BatchTooLarge):
        services.readings_ingest(rows=[reading()] * (services.MAX_BATCH + 1))
    with pytest.raises(services.InvalidBatch):
        services.readings_ingest(rows={"station": "DKI1"})
    assert not Reading.objects.exists()


def test_the_latest_index_is_recomputed_on_intake(stations):
    services.readings_ingest(rows=hours_of(37.0) + hours_of(60, parameter="pm10"))

    latest = StationLatest.objects.get(station=stations["DKI1"])
    assert (latest.ispu, latest.ispu_category, latest.ispu_dominant) == (77, "sedang", "pm25")
    assert (latest.aqi, latest.aqi_dominant) == (105, "pm25")
    assert latest.parameters["pm10"]["ispu"] == 55

    # Into the same hours: the means become (37 + 400) / 2.
    services.readings_ingest(rows=hours_of(400.0, end=NOW + timedelta(minutes=1)))
    latest.refresh_from_db()
    assert latest.ispu_category == "sangat_tidak_sehat"


def test_a_key_scoped_to_its_stations_cannot_send_for_another(stations):
    result = services.readings_ingest(
        rows=[reading("DKI1"), reading("DKI2")], allows=lambda code: code == "DKI1"
    )

    assert codes(result) == [(1, "station_not_allowed")]


def test_an_inactive_station_takes_no_readings(stations):
    stations["DKI3"].is_active = False
    stations["DKI3"].save()

    assert codes(services.readings_ingest(rows=[reading("DKI3")])) == [(0, "unknown_station")]


def test_the_import_stores_the_citys_published_ispu_and_reports_broken_rows(stations, shared_data):
    out, err = StringIO(), StringIO()
    path = shared_data / "ispu" / "ispu_2020_all_stations.csv"

    call_command("import_readings", str(path), "--no-progress", stdout=out, stderr=err)
    call_command("import_readings", str(path), "--no-progress", stdout=StringIO(), stderr=err)

    assert "skipped 516" in out.getvalue()
    assert "no station code (shifted columns?)" in out.getvalue()
    assert "line " in err.getvalue()
    assert PublishedIspu.objects.count() == 1180  # the second run changed nothing
    assert not Reading.objects.exists()  # sub-indices are not concentrations


def test_the_import_takes_readings_through_the_intake(stations, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(
        "station,parameter,value,unit,time\n"
        f"DKI1,pm25,12.5,ug/m3,{(NOW - timedelta(hours=1)).isoformat()}\n"
        f"DKI1,pm25,abc,ug/m3,{NOW.isoformat()}\n"
        "DKI9,pm25,1,ug/m3,2026-01-01T00:00:00+07:00\n"
    )
    out = StringIO()

    call_command("import_readings", str(path), "--no-progress", stdout=out, stderr=StringIO())

    assert "stored 1" in out.getvalue() and "skipped 2" in out.getvalue()


def test_the_import_refuses_a_file_it_cannot_read(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")

    with pytest.raises(Exception, match="columns must be"):
        call_command("import_readings", str(path), "--no-progress")
