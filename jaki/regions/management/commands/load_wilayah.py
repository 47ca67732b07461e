"""manage.py load_wilayah: the official boundaries shipped with the project, all three levels.

A fresh clone (`make run`, through seed_demo) and a production deploy both need the whole
province with Kemendagri codes before anything can be located or routed. The files are package
data (jaki/regions/wilayah/, README.md there names source and licence) and go through
load_regions like any other official file, so there is one loader and one set of rules. Running
it again changes nothing; a newer release is loaded the same way with load_regions.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from jaki.regions.models import Region

WILAYAH = files("jaki.regions") / "wilayah"
# Top-down: each level finds its parents, by code, among the level loaded before it.
FILES = [
    (Region.Level.KOTA, "dki_jakarta_kota_kepmendagri_2025.geojson"),
    (Region.Level.KECAMATAN, "dki_jakarta_kecamatan_kepmendagri_2025.geojson"),
    (Region.Level.KELURAHAN, "dki_jakarta_kelurahan_kepmendagri_2025.geojson"),
]


class Command(BaseCommand):
    help = (
        "Load the bundled official boundaries of DKI Jakarta (Kepmendagri 2025: 6 kota/"
        "kabupaten, 44 kecamatan, 267 kelurahan, dotted codes such as 31.71.01.1001) in one "
        "transaction. Idempotent: a second run reports every region unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for level, name in FILES:
                # The kota file's parent is the province ("31"), which is not stored.
                parent = [] if level == Region.Level.KOTA else ["--parent-code-field", "parent"]
                with as_file(WILAYAH / name) as path:
                    call_command(
                        "load_regions",
                        str(path),
                        "--level",
                        level,
                        "--name-field",
                        "nama",
                        "--code-field",
                        "kode",
                        *parent,
                        stdout=self.stdout,
                        stderr=self.stderr,
                        verbosity=options["verbosity"],
                    )
            if options["dry_run"]:
                # Each level must see the one above it, so the levels are written and then
                # rolled back together rather than each dry-run on its own.
                transaction.set_rollback(True)
                self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
