"""Demo regions for `seed_demo`: the real map, the bundled official boundaries of Jakarta.

A newcomer's first `locate` anywhere in the province answers with its Kemendagri codes
(Monas: kelurahan Gambir, 31.71.01.1001), so the demo is loaded exactly as production is.
"""

from typing import TextIO

from django.core.management import call_command


def seed(*, stdout: TextIO) -> None:
    """All 6 kota, 44 kecamatan and 267 kelurahan; running it again changes nothing."""
    call_command("load_wilayah", stdout=stdout)
