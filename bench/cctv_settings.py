"""The settings of bench/cctv_probe.py's server: the project's, with cctv_urls.py."""

from jaki.settings import *  # noqa: F403

ROOT_URLCONF = "cctv_urls"
