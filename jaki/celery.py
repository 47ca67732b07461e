"""The Celery application: queues and the beat schedule are declared here, in code."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

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
app.conf.task_routes = {"jaki.notifications.tasks.*": {"queue": "push"}}
app.conf.beat_schedule = {
    "purge-expired-otp-codes": {
        "task": "jaki.accounts.tasks.purge_expired_otp_codes",
        "schedule": crontab(minute=17),
    },
    "settle-stale-push-deliveries": {
        "task": "jaki.notifications.tasks.settle_stale_deliveries",
        "schedule": crontab(minute="*/5"),
    },
    "reconcile-device-topics": {
        "task": "jaki.notifications.tasks.reconcile_device_topics",
        "schedule": crontab(minute="3-59/10"),
    },
    "flush-expired-jwt": {
        "task": "jaki.accounts.tasks.flush_expired_tokens",
        "schedule": crontab(hour=3, minute=7),
    },
}
app.autodiscover_tasks()
