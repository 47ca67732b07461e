"""WSGI entry point: all HTTP in production (granian, deploy/Procfile `web:`), and behind
a2wsgi in `asgi.py` for `make run`; the websocket needs `asgi.py`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

application = get_wsgi_application()

from jaki.startup import freeze_startup_objects, refuse_to_start_if_misconfigured  # noqa: E402

refuse_to_start_if_misconfigured()
freeze_startup_objects()
