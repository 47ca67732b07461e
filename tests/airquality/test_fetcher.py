"""The periodic fetcher against a local fake OpenAQ v3 server: its readings go through the
intake (bad ones refused there), and a broken source is retried, not half-stored."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airquality import clients, services, tasks
from airquality.models import Reading
from tests.airquality.conftest import NOW

LOCATION = {
    "results": [
        {
            "id": 8118,
            "name": "Jakarta Central",
            "sensors": [
                {"id": 1, "parameter": {"name": "pm25", "units": "µg/m³"}},
                {"id": 2, "parameter": {"name": "no2", "units": "ppb"}},
                {"id": 3, "parameter": {"name": "temperature", "units": "c"}},
            ],
        }
    ]
}


def latest(value_pm25=35.0):
    at = {"utc": NOW.isoformat().replace("+00:00", "Z")}
    return {
        "results": [
            {"sensorsId": 1, "value": value_pm25, "datetime": at},
            {"sensorsId": 2, "value": 20.0, "datetime": at},
            {"sensorsId": 3, "value": 31.0, "datetime": at},
        ]
    }


@pytest.fixture
def openaq():
    """A fake OpenAQ on loopback; `state` sets its answers and records the keys it saw."""
    state = {"latest": latest(), "keys": [], "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["keys"].append(self.headers.get("X-API-Key"))
            if self.path == "/v3/locations/8118":
                body = LOCATION
            elif self.path == "/v3/locations/8118/latest":
                body = state["latest"]
            else:
                self.send_error(404)
                return
            payload = json.dumps(body).encode()
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            """Quiet: the test reads its answers, not the server's log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(settings, openaq, stations, frozen):
    settings.AIRQUALITY_FETCH_SOURCE = "airquality.clients.OpenAQSource"
    settings.AIRQUALITY_OPENAQ_URL = openaq["url"]
    settings.AIRQUALITY_OPENAQ_API_KEY = "openaq-test-key"
    station = stations["USEMB-C"]
    station.source_id = "8118"
    station.save()
    return station


def test_the_fetcher_stores_the_sources_latest_readings(configured, openaq):
    outcome = tasks.fetch_readings.apply().get()

    assert outcome == {"fetched": 2, "stored": 2, "duplicates": 0, "rejected": 0}
    assert set(Reading.objects.values_list("parameter", flat=True)) == {"pm25", "no2"}
    assert set(openaq["keys"]) == {"openaq-test-key"}
    assert tasks.fetch_readings.apply().get()["duplicates"] == 2  # fetched again: nothing new


def test_an_impossible_value_from_the_source_is_refused_by_the_intake(configured, openaq):
    openaq["latest"] = latest(value_pm25=-5)

    assert services.readings_fetch()["rejected"] == 1


def test_a_broken_source_raises_for_a_retry_and_stores_nothing(configured, openaq):
    openaq["status"] = 500

    with pytest.raises(clients.SourceError):
        services.readings_fetch()
    assert not Reading.objects.exists()


def test_without_a_source_the_fetcher_does_nothing(stations, settings):
    settings.AIRQUALITY_FETCH_SOURCE = ""

    assert services.readings_fetch()["fetched"] == 0


def test_a_source_that_cannot_be_loaded_fails_the_start_up_check(settings):
    from airquality.checks import fetch_source_loads

    settings.AIRQUALITY_FETCH_SOURCE = "airquality.clients.NoSuchSource"

    (error,) = fetch_source_loads()
    assert error.id == "airquality.E001" and "AIRQUALITY_FETCH_SOURCE" in error.msg
