"""Faults of the services the platform stands on (PostgreSQL, Redis, the broker), told apart
from bugs: a request that meets one answers 503 with Retry-After in the one error shape, is
logged once with its cause (one line, no traceback: the cause is known), and never a 500.

The API's exception handler and Django's handler500 (everything else: the admin, middleware)
both ask `dependency_of(exc)`; code that must refuse rather than degrade raises
`DependencyUnavailable` itself (the cache's invalidations, jaki/cache.py).
"""

from __future__ import annotations

import json
import logging

import psycopg
import redis.exceptions
from django.conf import settings
from django.db import utils as db_utils
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from kombu import exceptions as kombu_exceptions

logger = logging.getLogger(__name__)

DATABASE_FAULTS = (db_utils.OperationalError, db_utils.InterfaceError, psycopg.OperationalError)
REDIS_FAULTS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
MESSAGE = _("The service is briefly unavailable. Please try again in a moment.")


class DependencyUnavailable(Exception):
    """A dependency the request needs (named: `database`, `cache`, `broker`, …) is unreachable."""

    def __init__(self, dependency: str) -> None:
        super().__init__(f"{dependency} is unavailable")
        self.dependency = dependency


def dependency_of(exc: BaseException | None) -> str | None:
    """Which dependency's fault `exc` is (following its causes), or None for anything else."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DependencyUnavailable):
            return exc.dependency
        if isinstance(exc, DATABASE_FAULTS):
            return "database"
        if isinstance(exc, REDIS_FAULTS):
            return "cache"
        if isinstance(exc, kombu_exceptions.OperationalError):
            return "broker"
        exc = exc.__cause__ or exc.__context__
    return None


def log_fault(dependency: str, exc: BaseException, request: HttpRequest | None) -> None:
    where = f" during {request.method} {request.path}" if request is not None else ""
    logger.warning(
        "%s unavailable%s (%s: %s): answered 503.",
        dependency.capitalize(),
        where,
        exc.__class__.__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )


def retry_after() -> str:
    return str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)


def error_payload() -> dict:
    """The one error shape; which dependency failed is for the log and /readyz, not callers."""
    return {"error": {"code": "service_unavailable", "message": str(MESSAGE)}}


def unavailable_response(request: HttpRequest, exc: BaseException, dependency: str) -> HttpResponse:
    """The 503 for a request outside the API's views (JSON under /api/, text elsewhere)."""
    log_fault(dependency, exc, request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_payload(), status=503)
    else:
        response = HttpResponse(str(MESSAGE), status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = retry_after()
    response._has_been_logged = True  # our one line above; not Django's traceback as well
    return response


class RefuseWebsocketsWhileUnavailable:
    """ASGI middleware: a websocket whose consumer meets a dependency's fault before the
    handshake is answered (the channel layer's Redis down: Channels subscribes a new channel
    before `connect` runs) is refused with a 503 and Retry-After in the error shape, as HTTP
    is, instead of uvicorn's bare 500; the app retries later. Servers without ASGI's denial
    responses get close code 1013 (try again later)."""

    TRY_AGAIN_LATER = 1013

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        answered = False

        async def watched_send(message: dict) -> None:
            nonlocal answered
            answered = answered or message["type"] != "websocket.send"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            dependency = dependency_of(exc)
            if answered or dependency is None:
                raise
            logger.warning(
                "%s unavailable for a websocket handshake (%s: %s): refused with 503.",
                "Channel layer" if dependency == "cache" else dependency.capitalize(),
                exc.__class__.__name__,
                exc,
            )
            await _refuse(scope, send)


async def _refuse(scope, send) -> None:
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send(
            {"type": "websocket.close", "code": RefuseWebsocketsWhileUnavailable.TRY_AGAIN_LATER}
        )
        return
    headers = [(b"content-type", b"application/json"), (b"retry-after", retry_after().encode())]
    await send({"type": "websocket.http.response.start", "status": 503, "headers": headers})
    body = json.dumps(error_payload()).encode()
    await send({"type": "websocket.http.response.body", "body": body})
