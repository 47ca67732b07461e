"""The scopes machine clients may be given. Services declare their own; the platform names none.

    from jaki.apikeys import scopes

    class AirQualityConfig(AppConfig):
        def ready(self):
            scopes.register("airquality:ingest", _("Push air-quality readings"))

A key can only be given a declared scope (admin, `api_key_create`), so a typo never makes a key
that silently opens nothing, or that opens a scope a later service declares by chance.
"""

import re

from django.utils.functional import Promise

SCOPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")

_declared: dict[str, str | Promise] = {}


def register(scope: str, label: str | Promise) -> str:
    """Declare `scope` ("app:verb") with a human label for the admin; registering twice is fine."""
    if not SCOPE_PATTERN.fullmatch(scope):
        raise ValueError(f"a scope is 'app:verb' in lower case, not {scope!r}")
    _declared[scope] = label
    return scope


def unregister(scope: str) -> None:
    _declared.pop(scope, None)


def declared() -> dict[str, str | Promise]:
    """Every declared scope and its label, sorted by scope."""
    return dict(sorted(_declared.items()))


def is_declared(scope: str) -> bool:
    return scope in _declared
