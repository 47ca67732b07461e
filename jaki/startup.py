"""What a serving process does once, after Django is set up and before its first request."""

import gc

from django.conf import settings
from django.urls import get_resolver


def refuse_to_start_if_misconfigured() -> None:
    """granian, uvicorn and Celery run no system checks: in production the entry points call
    this, so a process with an error of any app's checks exits at start (SystemCheckError)
    instead of serving. Only errors stop it; `check --deploy` in CI also fails on warnings."""
    if settings.PRODUCTION:
        from django.core.management import call_command

        call_command("check", deploy=True, fail_level="ERROR")


def reconnect_database_pool_promptly() -> None:
    """psycopg's pool retries a lost PostgreSQL with a doubling delay (1, 2, 4, 8 … s), so after
    a restart its requests waited out the last delay and answered 503 for seconds. Trying every
    second (with the pool's jitter) lets the first requests after the restart succeed."""
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.DELAY_BACKOFF = 1.0


def freeze_startup_objects() -> None:
    """Move every object built at start-up out of the garbage collector's sight.

    A process holds ~160,000 long-lived objects (modules, the URLconf, DRF, the regions index);
    each full (generation 2) collection walked them all, ~130 ms of CPU in the middle of some
    request: that was the p99 stall of issue 13. Frozen, they are never walked again, and a full
    collection only looks at what requests created since. Loading the URLconf first freezes the
    views, serializers and everything they import too.
    """
    get_resolver().url_patterns  # noqa: B018 (imports every view)
    gc.collect()
    gc.freeze()
