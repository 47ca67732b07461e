"""Liveness and readiness probes for load balancers, and the dependency checks behind them and
behind `manage.py doctor`: one check per dependency, each naming what it found."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@dataclass
class Result:
    name: str
    ok: bool
    detail: str
    milliseconds: float


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return f"{connection.vendor} {connection.settings_dict.get('NAME')}"


def check_cache() -> str:
    ping = getattr(cache, "ping", None)
    if ping is not None:  # Redis itself, not the process-memory fallback (jaki/cache.py)
        ping()
        return f"redis {without_password(settings.REDIS_URL)}"
    cache.set("readyz", "1", 10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not return what was written")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def check_broker() -> str:
    from jaki.celery import app

    if app.conf.task_always_eager:
        return "eager (tasks run inside the web process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return without_password(app.conf.broker_url)


def check_channel_layer() -> str:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    # A group nobody is in: reaches the layer's Redis without leaving a message anywhere.
    async_to_sync(layer.group_send)("jaki-readyz", {"type": "readyz"})
    return type(layer).__name__


def check_storage() -> str:
    default_storage.exists("readyz-probe")
    return type(default_storage).__name__


def check_fcm() -> str:
    if settings.PUSH_BACKEND != "firebase":
        return f"push backend {settings.PUSH_BACKEND!r} (nothing is sent)"
    path = Path(settings.FIREBASE_CREDENTIALS)
    info = json.loads(path.read_text())
    for key in ("project_id", "client_email", "private_key"):
        if not info.get(key):
            raise ValueError(f"{path} has no {key}")
    return f"service account of {info['project_id']}"


def check_sms() -> str:
    backend = settings.SMS_BACKEND.rsplit(".", 1)[-1]
    if backend == "HTTPGatewaySMSBackend":
        if not (settings.SMS_GATEWAY_URL and settings.SMS_GATEWAY_TOKEN):
            raise ValueError("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN must both be set")
        return f"{backend} {urlsplit(settings.SMS_GATEWAY_URL).netloc}"
    return backend


# What a request needs (readiness), and what an operator wants to know of besides.
READINESS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "channel_layer": check_channel_layer,
    "storage": check_storage,
}
EVERYTHING: dict[str, Callable[[], str]] = {**READINESS, "fcm": check_fcm, "sms": check_sms}


def run_checks(checks: dict[str, Callable[[], str]]) -> list[Result]:
    results = []
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:
            detail, ok = f"{exc.__class__.__name__}: {exc}".strip(), False
            logger.warning("Dependency check %s failed: %s", name, detail)
        results.append(Result(name, ok, detail, (time.perf_counter() - started) * 1000))
    return results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Every dependency a request needs is reachable; a 503 names the ones that are not."""
    results = run_checks(READINESS)
    failing = [result.name for result in results if not result.ok]
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {result.name: "ok" if result.ok else "unavailable" for result in results},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
