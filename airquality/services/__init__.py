"""Every write of air quality (package: intake, alerts, stations, subscriptions)."""

from airquality.services.alerts import COOLDOWN, alerts_evaluate, alerts_evaluate_many
from airquality.services.intake import (
    MAX_BATCH,
    BatchTooLarge,
    IngestResult,
    InvalidBatch,
    RowError,
    latest_recompute,
    readings_fetch,
    readings_ingest,
)
from airquality.services.stations import (
    SEED_STATIONS,
    station_save,
    stations_ensure,
    stations_locate,
)
from airquality.services.subscriptions import (
    TooManyPlaces,
    subscription_set,
    subscriptions_forget_user,
)

__all__ = [
    "COOLDOWN",
    "MAX_BATCH",
    "SEED_STATIONS",
    "BatchTooLarge",
    "IngestResult",
    "InvalidBatch",
    "RowError",
    "TooManyPlaces",
    "alerts_evaluate",
    "alerts_evaluate_many",
    "latest_recompute",
    "readings_fetch",
    "readings_ingest",
    "station_save",
    "stations_ensure",
    "stations_locate",
    "subscription_set",
    "subscriptions_forget_user",
]
