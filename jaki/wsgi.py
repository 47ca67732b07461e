"""WSGI entry point: all HTTP in production (granian, deploy/Procfile `web:`), and behind
a2wsgi in `asgi.py` for `make run`; the websocket needs `asgi.py`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

application = get_wsgi_application()

from jaki.startup import (  # noqa: E402
    freeze_startup_objects,
    reconnect_database_pool_promptly,
    refuse_to_start_if_misconfigured,
)

refuse_to_start_if_misconfigured()
reconnect_database_pool_promptly()
freeze_startup_objects()
