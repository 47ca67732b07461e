import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.regions import factories

KOTA_FILE = "jakarta_kota_5.geojson"
KECAMATAN_FILE = "jakarta_kecamatan.geojson"
KELURAHAN_FILE = "jakarta_kelurahan_demografi_253.geojson"


@pytest.fixture
def small_map(db) -> None:
    """The synthetic rectangles of tests/regions/factories.py."""
    factories.small_map()


@pytest.fixture
def wilayah(db) -> str:
    """The bundled official map, all of Jakarta, loaded as `make run` loads it; its output."""
    out = io.StringIO()
    call_command("load_wilayah", stdout=out)
    return out.getvalue()


def load(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("load_regions", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def jakarta(db, shared_data: Path) -> dict[str, str]:
    """The real name-only kota, kecamatan and kelurahan files (../shared/data/README.txt §1),
    loaded top-down; each command's output."""
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
