import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cctv.services import CameraInput, InvalidCamera, camera_upsert
from jaki.accounts.models import Organisation

COLUMNS = ("code", "name", "lat", "lon", "category", "stream_url", "snapshot_url", "public")
TRUE = ("1", "true", "yes", "y", "ya")


class Command(BaseCommand):
    help = (
        "Import cameras from a CSV with the columns code,name,lat,lon,category,stream_url,"
        "snapshot_url,public (and optionally organisation, a code). A known code is updated. "
        "The URLs are stored encrypted and never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--organisation", help="Owning organisation's code, for rows without one."
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as f:
                rows = list(csv.DictReader(f))
                header = set(rows[0].keys()) if rows else set()
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"Cannot read {path}: {exc.__class__.__name__}") from None
        missing = [c for c in COLUMNS if c not in header] if rows else []
        if missing:
            raise CommandError(f"Missing columns: {', '.join(missing)}")
        organisations = {o.code: o for o in Organisation.objects.all()}
        default = options.get("organisation")
        if default and default not in organisations:
            raise CommandError(f"No organisation with the code {default!r}")
        created = updated = 0
        problems: list[str] = []
        for line, row in enumerate(tqdm(rows, desc="cameras", unit="row"), start=2):
            code = (row.get("organisation") or default or "").strip()
            organisation = organisations.get(code)
            if organisation is None:
                problems.append(f"line {line}: unknown or missing organisation {code!r}")
                continue
            try:
                data = CameraInput(
                    code=row["code"].strip(),
                    name=row["name"].strip(),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    category=row["category"].strip(),
                    stream_url=row["stream_url"].strip(),
                    snapshot_url=(row.get("snapshot_url") or "").strip(),
                    public=(row.get("public") or "true").strip().lower() in TRUE,
                )
                _camera, new = camera_upsert(data=data, organisation=organisation)
            except (ValueError, InvalidCamera) as exc:
                # The service's message names the field, never the URL it was given.
                reason = exc.detail if isinstance(exc, InvalidCamera) else "not a number"
                problems.append(f"line {line} ({row.get('code', '')}): {reason}")
                continue
            created += new
            updated += not new
        self.stdout.write(f"created {created}, updated {updated}, skipped {len(problems)}")
        for problem in problems:
            self.stdout.write(f"  {problem}")
