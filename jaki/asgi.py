"""ASGI entry point: HTTP through Django, websockets through Channels with JWT auth."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from jaki.accounts.checks import refuse_to_start_if_misconfigured  # noqa: E402

refuse_to_start_if_misconfigured()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from jaki.accounts.websocket import JWTAuthMiddleware, NativeOrAllowedOriginValidator  # noqa: E402
from jaki.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": NativeOrAllowedOriginValidator(
            JWTAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
