"""The air-quality API from the outside: anyone reads; a sensor posts with its key; who is
refused (no key, a key without the scope, a revoked key, a key for another station); bad input
is a 4xx in the house error shape, never a 500."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from airquality import services
from airquality.models import Reading
from jaki.apikeys.models import ApiKey
from jaki.apikeys.services import api_key_create, api_key_revoke
from tests.airquality.conftest import MONAS, NOW, hours_of, reading
from tests.complaints.conftest import load_map

URL = "/api/v1/airquality/"

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def anyone():
    return APIClient()


def sensor(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def measured(stations):
    services.readings_ingest(rows=hours_of(37.0) + hours_of(60.0, parameter="pm10"))


def test_anyone_lists_stations_with_their_latest_ispu_and_aqi(anyone, measured):
    response = anyone.get(f"{URL}stations/")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    dki1 = next(s for s in body["results"] if s["code"] == "DKI1")
    assert dki1["latest"]["ispu"] == {
        "value": 77, "category": "sedang", "category_name": "Sedang", "colour": "#1E5BC6",
        "dominant": "pm25",
    }  # fmt: skip
    assert dki1["latest"]["aqi"]["value"] == 105
    assert next(s for s in body["results"] if s["code"] == "DKI2")["latest"] is None


def test_the_detail_gives_each_parameter_and_advice_in_the_language_asked(anyone, measured):
    response = anyone.get(f"{URL}stations/DKI1/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert [p["parameter"] for p in body["parameters"]] == ["pm10", "pm25"]
    assert body["latest"]["ispu"]["category_name"] == "Moderate"
    assert body["advice"]["ispu"].startswith("Sensitive groups")


def test_an_unknown_station_is_a_404_in_the_house_shape(anyone, stations):
    response = anyone.get(f"{URL}stations/NOPE/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_history_gives_hourly_and_daily_aggregates_with_coverage(anyone, measured):
    hourly = anyone.get(f"{URL}stations/DKI1/history/", {"parameter": "pm25"}).json()
    daily = anyone.get(
        f"{URL}stations/DKI1/history/", {"parameter": "pm25", "interval": "day"}
    ).json()

    assert [p["count"] for p in hourly["results"]] == [1, 1, 1]
    assert hourly["results"][0]["mean"] == 37.0
    assert daily["results"][-1]["count"] == 3 and daily["results"][-1]["hours"] == 3


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"parameter": "lead"},
        {"parameter": "pm25", "from": "yesterday"},
        {"parameter": "pm25", "from": "2026-01-01T00:00:00+07:00"},  # > 31 days of hours
        {"parameter": "pm25", "from": "2026-12-09T00:00:00+07:00", "to": "2026-12-08T00:00:00Z"},
        {"parameter": "pm25", "interval": "minute"},
        {"parameter": "pm25", "interval": "day", "to": "9999-12-31T23:59:59Z"},
        {"parameter": "pm25", "to": "0001-01-01T00:00:00Z"},
    ],
)
def test_history_refuses_bad_ranges_and_parameters(anyone, stations, query):
    response = anyone.get(f"{URL}stations/DKI1/history/", query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_nearest_gives_the_station_and_its_distance(anyone, measured):
    response = anyone.get(f"{URL}nearest/", {"lat": -6.1951, "lon": 106.8231})

    assert response.status_code == 200
    assert response.json()["code"] == "DKI1"
    assert 0 < response.json()["distance_m"] < 20
    assert anyone.get(f"{URL}nearest/", {"lat": 0, "lon": 0}).status_code == 404
    assert anyone.get(f"{URL}nearest/", {"lat": "x", "lon": 1}).status_code == 400
    assert anyone.get(f"{URL}nearest/", {"lat": 89.9, "lon": 1}).status_code in (400, 404)


def test_the_city_summary_names_the_worst_kota(anyone, stations):
    load_map()  # Jakarta Pusat and Utara
    services.stations_locate()
    services.readings_ingest(rows=hours_of(37.0) + hours_of(200.0, station="DKI2"))

    body = anyone.get(f"{URL}summary/").json()

    assert body["worst"]["kota"]["code"] == "31.72"  # Kelapa Gading, Jakarta Utara
    assert body["worst"]["station"] == "DKI2"
    assert [r["kota"]["code"] for r in body["results"]] == ["31.72", "31.71"]


# --- readings ----------------------------------------------------------------------------------


def test_a_sensor_posts_a_batch_and_learns_which_rows_were_refused(stations, ingest_key):
    rows = [reading(), reading(station="NOPE"), reading(time="2026-12-08T10:00:00")]

    response = sensor(ingest_key).post(f"{URL}readings/", rows, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["stored"], body["rejected"]) == (3, 1, 2)
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "unknown_station"),
        (2, "time_without_offset"),
    ]
    again = sensor(ingest_key).post(f"{URL}readings/", rows[:1], format="json").json()
    assert (again["stored"], again["duplicates"]) == (0, 1)


def test_no_key_is_a_401(anyone, stations):
    response = anyone.post(f"{URL}readings/", [reading()], format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_key_without_the_scope_is_a_403(stations):
    from jaki.apikeys import scopes

    scopes.register("open311:submit", "Open311")
    key = api_key_create(name="Open311 client", scopes=["open311:submit"]).plaintext

    response = sensor(key).post(f"{URL}readings/", [reading()], format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Reading.objects.exists()


def test_a_revoked_key_is_a_401(stations, ingest_key):
    api_key_revoke(api_key=ApiKey.objects.get(), actor=None)

    response = sensor(ingest_key).post(f"{URL}readings/", [reading()], format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_key_for_one_station_cannot_post_for_another(stations):
    key = api_key_create(
        name="Kelapa Gading sensor", scopes=["airquality:ingest"], resources=["DKI2"]
    ).plaintext

    body = sensor(key).post(f"{URL}readings/", [reading("DKI1")], format="json").json()

    assert body["stored"] == 0
    assert body["errors"][0]["code"] == "station_not_allowed"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"station": "DKI1"}, 400, "invalid_batch"),
        ("[{]", 400, "parse_error"),
    ],
)
def test_a_malformed_batch_is_refused_clearly(stations, ingest_key, payload, status, code):
    client = sensor(ingest_key)
    if isinstance(payload, str):
        response = client.post(f"{URL}readings/", payload, content_type="application/json")
    else:
        response = client.post(f"{URL}readings/", payload, format="json")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_batch_over_the_limit_is_a_413(stations, ingest_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    rows = [reading(time=NOW - timedelta(seconds=i)) for i in range(services.MAX_BATCH + 1)]

    response = sensor(ingest_key).post(f"{URL}readings/", rows, format="json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert not Reading.objects.exists()


# --- subscription ------------------------------------------------------------------------------


def test_a_resident_reads_and_sets_their_subscription(cast, stations):
    client = cast.client(cast.resident)

    assert client.get(f"{URL}subscription/").json() == {"threshold": "tidak_sehat", "places": []}
    response = client.put(
        f"{URL}subscription/",
        {"threshold": "sedang", "places": [{"name": "Rumah", "lat": MONAS[0], "lon": MONAS[1]}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["threshold"] == "sedang"
    assert response.json()["places"][0]["name"] == "Rumah"


def test_anonymous_has_no_subscription(anyone):
    assert anyone.get(f"{URL}subscription/").status_code == 401
    assert anyone.put(f"{URL}subscription/", {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        {"threshold": "awful"},
        {"places": [{"name": "x", "lat": 1, "lon": 2}] * 4},
        {"places": [{"name": "x", "lat": 100, "lon": 2}]},
        {"places": ["here"]},
    ],
)
def test_a_bad_subscription_is_a_400(cast, stations, payload):
    response = cast.client(cast.resident).put(f"{URL}subscription/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
