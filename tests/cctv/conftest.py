"""CCTV tests: cameras owned by the cast's organisations, and a fake HLS origin on loopback
(tests/fakes/hls.py) for the probes and snapshots."""

import pytest

from tests.fakes.hls import FakeHLS


@pytest.fixture
def hls():
    server = FakeHLS().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _cctv_settings(settings):
    settings.CCTV_STREAM_BASE_URL = "https://edge.example.org"
    settings.CCTV_STREAM_KEYS = ["k2:second-signing-secret", "k1:first-signing-secret"]
    settings.CCTV_STREAM_TOKEN_SECONDS = 120
    settings.CCTV_MAX_STREAMS_PER_USER = 2
    settings.CCTV_PROBE_TIMEOUT_SECONDS = 1.0
    settings.CCTV_PROBE_CONNECT_TIMEOUT_SECONDS = 0.5
