"""`import_cap SOURCE [SOURCE …]`: CAP 1.2 files or URLs become warnings awaiting approval."""

from django.core.management.base import BaseCommand, CommandError

from disasteralerts import intake
from disasteralerts.capxml import CapRefused
from disasteralerts.fetch import FetchFailed, read_source


class Command(BaseCommand):
    help = (
        "Import CAP 1.2 messages (files or http(s) URLs): one covering Jakarta becomes a "
        "pending warning; others are skipped, known identifiers are duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", metavar="SOURCE")

    def handle(self, *args, sources, **options):
        refused = 0
        for source in sources:
            try:
                result = intake.cap_import(data=read_source(source), source_ref=source)
            except (CapRefused, FetchFailed) as exc:
                refused += 1
                self.stderr.write(f"refused   {source}: {exc.detail}")
                continue
            line = f"{result.outcome:<9} {source}: {result.identifier}"
            if result.alert is not None:
                line += f" -> warning {result.alert.public_id} (pending approval)"
            elif result.reason:
                line += f" ({result.reason})"
            self.stdout.write(line)
        if refused:
            raise CommandError(f"{refused} of {len(sources)} source(s) refused")
