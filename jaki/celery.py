"""The Celery application: queues and the beat schedule are declared here, in code, and the
one way a request hands work to it (`enqueue_on_commit`)."""

import logging
import os
from typing import Any

from celery import Celery, Task, signals
from celery.schedules import crontab
from django.db import transaction
from kombu import Queue

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

app = Celery("jaki")
app.config_from_object("django.conf:settings", namespace="CELERY")

# `push` carries the notification fan-out, `ingest` the sensor and feed imports, `probes` the
# camera health checks; `default` everything else. Workers scale out per queue.
app.conf.task_queues = (
    Queue("default"),
    Queue("push"),
    Queue("ingest"),
    Queue("probes"),
)
app.conf.task_routes = {
    "jaki.notifications.tasks.*": {"queue": "push"},
    "cctv.tasks.probe_cameras": {"queue": "probes"},
    "airquality.tasks.fetch_readings": {"queue": "ingest"},
    # The warnings' importers (CAP URLs, BMKG feeds) are feed imports.
    "disasteralerts.tasks.import_cap_feeds": {"queue": "ingest"},
    "disasteralerts.tasks.poll_bmkg": {"queue": "ingest"},
}
# Retention (jaki/retention.py): each app purges its own rows, on the default queue.
app.conf.beat_schedule = {
    "purge-expired-accounts-records": {
        "task": "jaki.accounts.tasks.purge_expired",
        "schedule": crontab(minute=17),
    },
    "purge-old-push-records": {
        "task": "jaki.notifications.tasks.purge_old_records",
        "schedule": crontab(hour=2, minute=37),
        "options": {"queue": "default"},
    },
    "settle-stale-push-deliveries": {
        "task": "jaki.notifications.tasks.settle_stale_deliveries",
        "schedule": crontab(minute="*/5"),
    },
    "requeue-stranded-push": {
        "task": "jaki.notifications.tasks.requeue_stranded",
        "schedule": crontab(minute="*/5"),
    },
    "purge-expired-idempotency-records": {
        "task": "jaki.idempotency.tasks.purge_expired_idempotency_records",
        "schedule": crontab(minute=23),
    },
    "reconcile-device-topics": {
        "task": "jaki.notifications.tasks.reconcile_device_topics",
        "schedule": crontab(minute="3-59/10"),
    },
    "purge-orphan-media": {
        "task": "jaki.media.tasks.purge_orphan_media",
        "schedule": crontab(minute=41),
    },
    # The services' clocks (named by string: the platform never imports a service).
    "complaints-mark-overdue": {
        "task": "complaints.tasks.mark_overdue",
        "schedule": crontab(minute="*/5"),
    },
    "complaints-close-resolved": {
        "task": "complaints.tasks.close_resolved",
        "schedule": crontab(minute=11),
    },
    # One probe cycle of every camera a minute (queue `probes`); a cycle still running makes the
    # next one a no-op (cctv.services.cameras_probe_cycle holds a lock).
    "cctv-probe-cameras": {
        "task": "cctv.tasks.probe_cameras",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "cctv-purge": {
        "task": "cctv.tasks.purge_history",
        "schedule": crontab(hour=3, minute=7),
    },
    "airquality-fetch-readings": {
        "task": "airquality.tasks.fetch_readings",
        "schedule": crontab(minute="*/10"),
    },
    "disasteralerts-expire": {
        "task": "disasteralerts.tasks.expire_alerts",
        "schedule": crontab(),  # every minute: the active list filters on expires anyway
    },
    "disasteralerts-import-cap": {
        "task": "disasteralerts.tasks.import_cap_feeds",
        "schedule": crontab(minute="*/2"),  # does nothing while ALERTS_CAP_URLS is empty
    },
    "disasteralerts-poll-bmkg": {
        "task": "disasteralerts.tasks.poll_bmkg",
        "schedule": crontab(),  # BMKG updates autogempa within minutes of a quake
    },
}
app.autodiscover_tasks()


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` once the current transaction commits (at once outside of one).

    The write is already committed by then, so a broker that cannot be reached must not turn
    it into a 500: the failure is logged once (the task's name and the broker's error, never the
    task's arguments) and the periodic sweepers (`requeue_stranded` for push) pick the work up
    from the database.
    In eager mode (tests, `make run`) the task runs inline and its errors propagate, as
    CELERY_TASK_EAGER_PROPAGATES asks.
    """

    def enqueue() -> None:
        if task.app.conf.task_always_eager:
            task.apply_async(args, kwargs)
            return
        try:
            task.apply_async(args, kwargs)
        except Exception as exc:
            logger.error(
                "Could not enqueue %s after commit (%s: %s); a sweeper will pick the work up.",
                task.name,
                exc.__class__.__name__,
                exc,
            )

    transaction.on_commit(enqueue)


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_if_misconfigured(**kwargs) -> None:
    import django
    from django.core.management.base import SystemCheckError

    django.setup()
    from jaki.startup import refuse_to_start_if_misconfigured

    try:
        refuse_to_start_if_misconfigured()
    except SystemCheckError as exc:
        # Celery logs and swallows a handler's exceptions; only SystemExit stops the worker.
        raise SystemExit(str(exc)) from exc
