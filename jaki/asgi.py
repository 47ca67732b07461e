"""ASGI entry point: websockets through Channels with JWT auth; HTTP through Django's WSGI
handler behind a2wsgi, because Django's ASGI handler hops between the event loop and a thread
for every middleware of our sync stack (4-16x the CPU per request, issue 13).

Production serves HTTP with granian (`jaki.wsgi`) and only `/ws/` here (deploy/Procfile `ws:`);
`make run` serves both from this one app on one port.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

# Django must be set up before anything imports models.
django_wsgi_app = get_wsgi_application()

from jaki.accounts.checks import refuse_to_start_if_misconfigured  # noqa: E402

refuse_to_start_if_misconfigured()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from jaki.accounts.websocket import JWTAuthMiddleware, NativeOrAllowedOriginValidator  # noqa: E402
from jaki.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # A fixed pool of WEB_THREADS threads: each holds at most one database connection.
        "http": WSGIMiddleware(django_wsgi_app, workers=settings.WEB_THREADS),
        "websocket": NativeOrAllowedOriginValidator(
            JWTAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
