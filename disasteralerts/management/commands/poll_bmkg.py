"""`poll_bmkg SOURCE [SOURCE …]`: BMKG earthquake feeds (files or URLs) through the rule."""

from django.core.management.base import BaseCommand, CommandError

from disasteralerts import bmkg
from disasteralerts.fetch import FetchFailed, read_source


class Command(BaseCommand):
    help = (
        "Read BMKG earthquake feeds (autogempa, gempaterkini, InaTEWS; files or URLs): a quake "
        "that concerns Jakarta, or a tsunami warning, becomes a pending warning."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", metavar="SOURCE")

    def handle(self, *args, sources, **options):
        refused = 0
        for source in sources:
            try:
                events = bmkg.bmkg_import(data=read_source(source), source_ref=source)
            except (bmkg.BmkgRefused, FetchFailed) as exc:
                refused += 1
                self.stderr.write(f"refused   {source}: {exc.detail}")
                continue
            for event in events:
                line = f"{event.outcome:<9} {source}: {event.identifier}"
                if event.alert is not None:
                    line += f" -> warning {event.alert.public_id} (pending approval)"
                elif event.reason:
                    line += f" ({event.reason})"
                self.stdout.write(line)
        if refused:
            raise CommandError(f"{refused} of {len(sources)} source(s) refused")
