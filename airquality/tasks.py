"""Air-quality tasks: thin wrappers around services, taking ids."""

from celery import shared_task

from airquality import services
from airquality.clients import SourceError


@shared_task(name="airquality.tasks.evaluate_alerts")
def evaluate_alerts(station_id: int) -> dict[str, int]:
    """After a station's ISPU category changed: alerts and all-clears for its places."""
    return services.alerts_evaluate(station_id=station_id)


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
