"""Celery tasks: thin wrappers over services. The importers run on the `ingest` queue."""

import logging

from celery import shared_task
from django.conf import settings

from disasteralerts import bmkg, intake, services
from disasteralerts.capxml import CapRefused
from disasteralerts.fetch import FetchFailed, fetch

logger = logging.getLogger(__name__)


@shared_task(name="disasteralerts.tasks.expire_alerts")
def expire_alerts() -> int:
    """Mark warnings past `expires` as expired (beat, every minute). Idempotent."""
    return services.alerts_expire()


@shared_task(name="disasteralerts.tasks.import_cap_feeds")
def import_cap_feeds() -> dict[str, int]:
    """Import every ALERTS_CAP_URLS document (beat); one bad feed does not stop the others."""
    counts: dict[str, int] = {}
    for url in settings.ALERTS_CAP_URLS:
        try:
            outcome = intake.cap_import(data=fetch(url), source_ref=url).outcome
        except (FetchFailed, CapRefused) as exc:
            logger.warning("CAP feed %s refused: %s", url, exc.detail)
            outcome = "refused"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(name="disasteralerts.tasks.poll_bmkg")
def poll_bmkg() -> dict[str, int]:
    """Poll every ALERTS_BMKG_URLS feed (beat); drafts for quakes that concern Jakarta."""
    counts: dict[str, int] = {}
    for url in settings.ALERTS_BMKG_URLS:
        try:
            results = bmkg.bmkg_import(data=fetch(url), source_ref=url)
        except (FetchFailed, bmkg.BmkgRefused) as exc:
            logger.warning("BMKG feed %s refused: %s", url, exc.detail)
            results = [bmkg.Event("refused")]
        for result in results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
