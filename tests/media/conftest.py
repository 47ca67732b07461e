"""Media tests store into a fresh folder each, so "nothing stored" is a listing of it."""

from pathlib import Path

import pytest

FILESYSTEM = "django.core.files.storage.FileSystemStorage"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "media_private": {
            "BACKEND": FILESYSTEM,
            "OPTIONS": {"location": root / "private", "base_url": None},
        },
        "media_public": {
            "BACKEND": FILESYSTEM,
            "OPTIONS": {"location": root / "public", "base_url": "/media/public/"},
        },
    }
    return root


def stored_files(root: Path) -> list[str]:
    """Every file under the media root, as paths relative to it."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
