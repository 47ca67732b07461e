"""`api_key_create NAME --scope S [--scope S] [--expires-days N]`: prints a new key, once.

Services wrap it in their own commands (`open311_key NAME`) with their scope filled in.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jaki.apikeys.services import UnknownScope, api_key_create


class Command(BaseCommand):
    help = "Create an API key for a machine client and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", action="append", required=True, dest="scopes")
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument(
            "--resource",
            action="append",
            default=[],
            dest="resources",
            help="a code the key is limited to (e.g. a station code); repeatable",
        )
        parser.add_argument("--rate", default="", help="own rate limit, e.g. 600/min")

    def handle(self, *args, name, scopes, expires_days, resources, rate, **options):
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            issued = api_key_create(
                name=name, scopes=scopes, expires_at=expires_at, resources=resources, rate=rate
            )
        except UnknownScope as exc:
            raise CommandError(str(exc.detail)) from None
        self.stdout.write(issued.plaintext)
        self.stderr.write(
            f"Key {issued.api_key.pk} ({name}); scopes {', '.join(issued.api_key.scopes)}. "
            "Copy it now: it is not stored and cannot be shown again."
        )
