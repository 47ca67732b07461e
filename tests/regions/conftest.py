import io
from pathlib import Path

import pytest
from django.core.management import call_command

from jaki.regions import demo

KOTA_FILE = "jakarta_kota_5.geojson"
KECAMATAN_FILE = "jakarta_kecamatan.geojson"
KELURAHAN_FILE = "jakarta_kelurahan_demografi_253.geojson"


@pytest.fixture
def demo_regions(db) -> None:
    demo.seed(stdout=io.StringIO())


def load(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("load_regions", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def jakarta(db, shared_data: Path) -> dict[str, str]:
    """The real kota, kecamatan and kelurahan files, loaded top-down; each command's output."""
    return {
        "kota": load(shared_data / KOTA_FILE, "--level", "kota", "--name-field", "name"),
        "kecamatan": load(
            shared_data / KECAMATAN_FILE, "--level", "kecamatan", "--name-field", "name"
        ),
        "kelurahan": load(
            shared_data / KELURAHAN_FILE,
            "--level",
            "kelurahan",
            "--name-field",
            "DESA/KELURAHAN",
            "--parent-field",
            "KECAMATAN",
        ),
    }
