"""The settings of bench/complaints.py's server: the project's, with complaints_urls.py."""

from jaki.settings import *  # noqa: F403

ROOT_URLCONF = "complaints_urls"
