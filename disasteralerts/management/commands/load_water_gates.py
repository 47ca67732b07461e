"""`load_water_gates FILE [FILE …]`: DSDA water-gate snapshots (GeoJSON) into gates and readings.

    python manage.py load_water_gates \\
        ../shared/data/flood/jakarta_dsda_pintu_air_sluice_gates.geojson \\
        ../shared/data/flood/jakarta_dsda_pos_pengamatan_observation_posts.geojson
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from disasteralerts.watergates import InvalidReading, ReadingConflict, dsda_snapshot_load


class Command(BaseCommand):
    help = "Load DSDA water-gate snapshots (GeoJSON FeatureCollections): gates and their readings."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        for path in files:
            try:
                with open(path, "rb") as file:
                    collection = json.load(file)
                features = collection["features"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from None
            try:
                with transaction.atomic():  # a file loads whole or not at all
                    counts = dsda_snapshot_load(features)
            except (InvalidReading, ReadingConflict) as exc:
                raise CommandError(f"{path}: {exc.detail}") from None
            summary = ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in counts.items())
            self.stdout.write(f"{path}: {len(features)} records: {summary}")
