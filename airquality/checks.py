"""Start-up checks: a fetcher source that cannot be loaded stops the processes, naming the
setting, rather than failing every ten minutes in a worker's log."""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string


@register()
def fetch_source_loads(app_configs=None, **kwargs):
    path = settings.AIRQUALITY_FETCH_SOURCE
    if not path:
        return []
    try:
        import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"AIRQUALITY_FETCH_SOURCE={path!r} cannot be imported ({exc}).",
                hint="Set it to a source class such as airquality.clients.OpenAQSource, "
                "or leave it empty for no fetcher.",
                id="airquality.E001",
            )
        ]
    return []
