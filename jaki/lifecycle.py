"""Lifecycle hooks: how the platform reaches code it cannot name.

A user's erasure must reach every app's data, and a logout every app's live channels, yet the
lower layers may not import the higher ones (accounts never imports notifications, the platform
never imports a service). So each app registers what it does in its `AppConfig.ready()`:

    from jaki import lifecycle

    class ComplaintsConfig(AppConfig):
        def ready(self):
            from complaints.services import complaints_anonymise_for_user

            lifecycle.user_erased.register(complaints_anonymise_for_user)

and the owner of the event runs every handler in one transaction (`hook.run(...)`): one handler
that raises rolls the whole act back, so an erasure is never half done. Handlers take keyword
arguments only, named in each hook's docstring, and must accept `**kwargs` so that a hook can
grow an argument without breaking them.

This is registration for business reactions the platform must trigger; everything else between
apps stays an explicit call into the lower app's services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

Handler = Callable[..., Any]


class Hook:
    """A named moment in the platform's life that other apps react to."""

    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._handlers: dict[str, Handler] = {}

    def register(self, handler: Handler) -> Handler:
        """Add `handler` (once: registering it again replaces it); usable as a decorator."""
        self._handlers[f"{handler.__module__}.{handler.__qualname__}"] = handler
        return handler

    def unregister(self, handler: Handler) -> None:
        self._handlers.pop(f"{handler.__module__}.{handler.__qualname__}", None)

    @property
    def handlers(self) -> list[Handler]:
        """The registered handlers, in the order the apps registered them."""
        return list(self._handlers.values())

    def run(self, **kwargs: Any) -> None:
        """Call every handler with these keyword arguments, all in one transaction."""
        with transaction.atomic():
            for handler in self.handlers:
                handler(**kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._handlers)} handlers>"


user_erased = Hook(
    "user_erased",
    """A user asked to be erased (UU PDP). `user=`: the user, still with phone and name; the
    account row itself is anonymised by accounts after the handlers ran. A handler deletes or
    anonymises what its app holds about the person.""",
)

user_logged_out = Hook(
    "user_logged_out",
    """A user logged out. `user=`; `device=`: the push token of the phone that logged out, or
    None; `everywhere=`: True when every session and every phone of the user ends.""",
)

sessions_ended = Hook(
    "sessions_ended",
    """Login sessions ended (logout, token reuse, erasure). `user=`; `sessions=`: the ended
    sessions' ids (`sid` claims) as strings, or None for every session of the user. A handler
    closes what the sessions hold open (live feeds).""",
)

regions_changed = Hook(
    "regions_changed",
    """Regions were created or updated (load_regions, the bundled wilayah, the admin).
    `codes=`: the codes of the regions written. A handler keeps what it derives from regions
    (the government offices) in step.""",
)
