"""`open311_key NAME [--expires-days N] [--rate R]`: prints a new Open311 api_key, once."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints.open311.permissions import SCOPE
from jaki.apikeys.services import api_key_create


class Command(BaseCommand):
    help = "Create an Open311 API key for a client and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the key is for, e.g. the client's name")
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--rate", default="", help="own rate limit, e.g. 600/min")

    def handle(self, *args, name, expires_days, rate, **options):
        if not name.strip():
            raise CommandError("name the client the key is for")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        issued = api_key_create(name=name.strip(), scopes=[SCOPE], expires_at=expires_at, rate=rate)
        self.stdout.write(issued.plaintext)
        self.stderr.write(
            f"Key {issued.api_key.pk} ({issued.api_key.name}); scope {SCOPE}. "
            "Copy it now: it is not stored and cannot be shown again."
        )
