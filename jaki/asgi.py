"""ASGI entry point: websockets through Channels with JWT auth; HTTP through Django's WSGI
handler behind a2wsgi, because Django's ASGI handler hops between the event loop and a thread
for every middleware of our sync stack (4-16x the CPU per request, issue 13).

Production serves HTTP with granian (`jaki.wsgi`) and only `/ws/` here (deploy/Procfile `ws:`);
`make run` serves both from this one app on one port.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

# The same WSGI application granian serves, imported first: Django set up, the production
# checks run, the start-up objects frozen (jaki.wsgi), before anything else imports models.
from jaki.wsgi import application as django_wsgi_app

# isort: split

from a2wsgi import WSGIMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings

from jaki.accounts.websocket import JWTAuthMiddleware, NativeOrAllowedOriginValidator
from jaki.faults import RefuseWebsocketsWhileUnavailable
from jaki.routing import websocket_urlpatterns
from jaki.startup import freeze_startup_objects

application = ProtocolTypeRouter(
    {
        # A fixed pool of WEB_THREADS threads: each holds at most one database connection.
        "http": WSGIMiddleware(django_wsgi_app, workers=settings.WEB_THREADS),
        "websocket": RefuseWebsocketsWhileUnavailable(
            NativeOrAllowedOriginValidator(JWTAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)

freeze_startup_objects()  # and what the websocket side imported since
