"""A serving process freezes what it built at start-up, so that the garbage collector's full
collections no longer walk it in the middle of a request (issue 13's p99 stall)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import gc
import jaki.wsgi
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_wsgi_process_leaves_its_startup_objects_out_of_garbage_collection():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jaki.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, tracked = (int(value) for value in result.stdout.split()[-2:])

    # Modules, the URLconf and every view with its serializers: tens of thousands of objects.
    assert frozen > 50_000
    assert tracked < frozen / 20
