"""WSGI entry point, for servers that cannot speak ASGI (the websocket needs `asgi.py`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")

application = get_wsgi_application()

from jaki.accounts.checks import refuse_to_start_if_misconfigured  # noqa: E402

refuse_to_start_if_misconfigured()

from jaki.startup import freeze_startup_objects  # noqa: E402

freeze_startup_objects()
