"""The baseline of `bench/http_serving.py`: HTTP through Django's ASGI handler, as before issue 13.

Served with `uvicorn http_serving_asgi:application --factory --app-dir bench`, so the bench
measures the old layout in the same run whatever `jaki/asgi.py` routes HTTP to today.
"""

import os


def application():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaki.settings")
    from django.core.asgi import get_asgi_application

    return get_asgi_application()
