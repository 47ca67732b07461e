"""The officers' screens: stations with their latest index and a server-drawn 7-day chart;
readings read-only."""

import pytest

from airquality import services
from tests.airquality.conftest import hours_of

pytestmark = pytest.mark.usefixtures("frozen")


def test_the_station_list_shows_the_latest_index(cast, stations):
    services.readings_ingest(rows=hours_of(100.0))

    page = cast.admin_client(cast.superuser).get("/admin/airquality/station/")

    assert page.status_code == 200
    assert "Tidak Sehat" in page.content.decode()


def test_a_station_page_draws_its_week_as_svg(cast, stations):
    services.readings_ingest(rows=hours_of(100.0, hours=12))

    page = cast.admin_client(cast.superuser).get(
        f"/admin/airquality/station/{stations['DKI1'].pk}/change/"
    )

    assert page.status_code == 200
    assert "<svg" in page.content.decode() and "<polyline" in page.content.decode()


def test_readings_are_read_only(cast, stations):
    services.readings_ingest(rows=hours_of(20.0))
    client = cast.admin_client(cast.superuser)

    assert client.get("/admin/airquality/reading/").status_code == 200
    assert client.get("/admin/airquality/reading/add/").status_code == 403
