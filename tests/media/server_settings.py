"""The project's settings with the test upload endpoint, for the real server (tests/servers.py)."""

from jaki.settings import *  # noqa: F403

ROOT_URLCONF = "tests.media.urls"
