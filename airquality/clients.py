"""Outside sources of readings, fetched periodically (task `fetch_readings`, queue `ingest`).

A source is a class named by dotted path in AIRQUALITY_FETCH_SOURCE, built lazily, whose
`fetch(stations)` returns readings in the intake's own shape `{station, parameter, value, unit,
time}`; the task hands them to `readings_ingest`, so fetched rows pass the same checks as
posted ones. `OpenAQSource` speaks OpenAQ v3: a station's `source_id` is its OpenAQ location,
`GET /v3/locations/{id}` names the sensors' parameters and units, `GET /v3/locations/{id}/latest`
gives each sensor's newest value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from airquality.indexes import PARAMETERS
from airquality.models import Station

logger = logging.getLogger(__name__)


class SourceError(Exception):
    """The source could not be read; the task retries with backoff."""


class Source:
    name = "source"

    def fetch(self, stations: Iterable[Station]) -> list[dict[str, Any]]:
        """Readings of these stations as intake rows; each source (a subclass named by
        AIRQUALITY_SOURCE) says how. Raises SourceError when the source cannot be read."""
        raise NotImplementedError(f"{type(self).__name__} must implement fetch()")


class OpenAQSource(Source):
    name = "openaq"

    def __init__(self, *, base_url: str | None = None, api_key: str | None = None) -> None:
        self.base_url = (base_url or settings.AIRQUALITY_OPENAQ_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.AIRQUALITY_OPENAQ_API_KEY
        self.session = requests.Session()
        if self.api_key:
            self.session.headers["X-API-Key"] = self.api_key
        self.timeout = settings.AIRQUALITY_FETCH_TIMEOUT_SECONDS

    def _get(self, path: str) -> dict[str, Any]:
        try:
            response = self.session.get(f"{self.base_url}{path}", timeout=self.timeout)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SourceError(f"{path}: {exc.__class__.__name__}") from exc
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise SourceError(f"{path}: no results list")
        return body

    def fetch(self, stations: Iterable[Station]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for station in stations:
            if not station.source_id:
                continue
            location = self._get(f"/v3/locations/{station.source_id}")["results"]
            sensors: dict[Any, tuple[str, str]] = {}
            for place in location:
                for sensor in place.get("sensors") or []:
                    parameter = (sensor.get("parameter") or {}).get("name")
                    if parameter in PARAMETERS:
                        sensors[sensor.get("id")] = (parameter, sensor["parameter"].get("units"))
            for item in self._get(f"/v3/locations/{station.source_id}/latest")["results"]:
                known = sensors.get(item.get("sensorsId"))
                if known is None:
                    continue
                rows.append(
                    {
                        "station": station.code,
                        "parameter": known[0],
                        "value": item.get("value"),
                        "unit": known[1],
                        "time": (item.get("datetime") or {}).get("utc"),
                    }
                )
        return rows


def configured_source() -> Source | None:
    path = settings.AIRQUALITY_FETCH_SOURCE
    return import_string(path)() if path else None
