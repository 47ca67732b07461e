"""`airquality_key NAME [--station CODE ...] [--expires-days N] [--rate R]`: prints a new
readings API key, once."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from airquality.models import Station
from airquality.permissions import INGEST_SCOPE
from jaki.apikeys.services import api_key_create


class Command(BaseCommand):
    help = "Create a readings API key for a sensor or feed and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the key is for, e.g. the sensor network")
        parser.add_argument(
            "--station",
            action="append",
            default=[],
            help="a station code the key may send for (repeat); none: every station",
        )
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--rate", default="", help="own rate limit, e.g. 600/min")

    def handle(self, *args, name, station, expires_days, rate, **options):
        if not name.strip():
            raise CommandError("name the sensor or feed the key is for")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more")
        known = set(Station.objects.filter(code__in=station).values_list("code", flat=True))
        unknown = sorted(set(station) - known)
        if unknown:
            raise CommandError(f"unknown station: {', '.join(unknown)}")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        issued = api_key_create(
            name=name.strip(),
            scopes=[INGEST_SCOPE],
            resources=sorted(known),
            expires_at=expires_at,
            rate=rate,
        )
        self.stdout.write(issued.plaintext)
        stations = ", ".join(sorted(known)) or "every station"
        self.stderr.write(
            f"Key {issued.api_key.pk} ({issued.api_key.name}); scope {INGEST_SCOPE}; {stations}. "
            "Copy it now: it is not stored and cannot be shown again."
        )
