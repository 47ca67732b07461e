"""Air-quality tasks: thin wrappers around services, taking ids."""

from celery import shared_task

from airquality import services
from airquality.clients import SourceError


@shared_task(name="airquality.tasks.evaluate_alerts")
def evaluate_alerts(station_ids: list[int]) -> dict[str, int]:
    """After stations' ISPU categories changed: alerts and all-clears for their places."""
    return services.alerts_evaluate_many(station_ids=station_ids)


@shared_task(
    name="airquality.tasks.fetch_readings",
    autoretry_for=(SourceError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def fetch_readings() -> dict[str, int]:
    """Every few minutes (queue `ingest`): the configured source's newest readings, through
    the intake."""
    return services.readings_fetch()
