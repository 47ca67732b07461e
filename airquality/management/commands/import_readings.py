"""`import_readings FILE.csv [--batch N]`: history from a CSV file, with a progress bar.

Two formats, told apart by their header: readings `station,parameter,value,unit,time` (through
the same intake as the API, in batches) and the city's published daily ISPU
(`tanggal,stasiun,[pm25,]pm10,so2,co,o3,no2,max,critical,categori`). Broken rows are reported
with their line and reason and skipped; the rest is stored. A second run stores nothing new.
"""

import contextlib
import csv
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from airquality import services
from airquality.services import imports


class Command(BaseCommand):
    help = "Import air-quality history from CSV (readings, or Jakarta's published ISPU)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, batch, no_progress, **options):
        if not 1 <= batch <= services.MAX_BATCH:
            raise CommandError(f"--batch is 1 to {services.MAX_BATCH}")
        try:
            handle = open(file, newline="", encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        with handle:
            reader = csv.DictReader(handle)
            try:
                kind = imports.csv_format(reader.fieldnames or [])
            except imports.UnknownFormat as exc:
                raise CommandError(f"{file}: {exc}") from exc
            rows = list(reader)
        try:
            bar = tqdm(total=len(rows), unit="row", disable=no_progress, file=self.stderr)
            report = (
                self._published(rows, bar)
                if kind == "published"
                else self._readings(rows, bar, batch)
            )
        except csv.Error as exc:
            raise CommandError(f"{file}: malformed CSV ({exc})") from exc
        bar.close()
        reasons = Counter(reason for _line, reason in report.skipped)
        for line, reason in report.skipped[:50]:
            self.stderr.write(f"line {line}: {reason}")
        if len(report.skipped) > 50:
            self.stderr.write(f"… {len(report.skipped) - 50} more skipped rows")
        self.stdout.write(
            f"{file}: {kind}, {len(rows)} rows: stored {report.stored}, "
            f"duplicates {report.duplicates}, skipped {len(report.skipped)}"
            + "".join(f"\n  {count} x {reason}" for reason, count in reasons.most_common())
        )

    def _published(self, rows, bar) -> imports.ImportReport:
        report = imports.ImportReport()
        stations = imports.station_ids()
        items = {}
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            outcome = imports.published_row(row, stations)
            if isinstance(outcome, str):
                report.skipped.append((number, outcome))
            elif (outcome.station_id, outcome.day) in items:
                report.duplicates += 1
            else:
                items[(outcome.station_id, outcome.day)] = outcome
            bar.update(1)
        report.stored = imports.published_ispu_store(list(items.values()))
        return report

    def _readings(self, rows, bar, batch: int) -> imports.ImportReport:
        report = imports.ImportReport()
        for start in range(0, len(rows), batch):
            chunk = [_typed(row) for row in rows[start : start + batch]]
            result = services.readings_ingest(rows=chunk)
            report.stored += result.stored
            report.duplicates += result.duplicates
            report.skipped += [(start + e.index + 2, e.message) for e in result.errors]
            bar.update(len(chunk))
        return report


def _typed(row: dict) -> dict:
    """CSV holds text: the value becomes a number where it is one (else the intake refuses)."""
    row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    with contextlib.suppress(ValueError):
        row["value"] = float(row.get("value", ""))
    return row
