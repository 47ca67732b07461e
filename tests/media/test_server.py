"""The multipart path and the signed download over real HTTP, through the server `make run`
starts (tests/servers.py), with the test upload endpoint mounted."""

import io

import pytest
import requests
from PIL import Image

from tests.media import images
from tests.servers import run_asgi_server

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def server(transactional_db, tmp_path, media_root):
    env = {"DJANGO_SETTINGS_MODULE": "tests.media.server_settings", "MEDIA_ROOT": str(media_root)}
    with run_asgi_server(tmp_path / "server.log", env=env) as server:
        yield server


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # no proxy between the test and its loopback server
    return session


def test_a_photo_goes_up_as_multipart_and_comes_back_by_signed_url(server, http, media_root):
    access = server.login("081234567890")["access"]
    auth = {"Authorization": f"Bearer {access}"}

    response = http.post(
        f"{server.url}/api/test/photos/",
        data={"note": "Banjir di depan rumah"},
        files=[("photos", ("IMG_2001.jpg", images.jpeg_from_a_phone(), "image/jpeg"))],
        headers=auth,
        timeout=30,
    )

    assert response.status_code == 201, response.text
    (photo,) = response.json()["photos"]
    assert photo["url"].startswith(f"{server.url}/media/s/")
    download = http.get(photo["url"], timeout=10)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/jpeg"
    assert download.headers["Cache-Control"].startswith("private")
    assert Image.open(io.BytesIO(download.content)).size == (1365, 2048)
    forged = http.get(photo["url"].replace("/media/s/", "/media/s/x"), timeout=10)
    assert forged.status_code == 404
    assert forged.json()["error"]["code"] == "not_found"


def test_an_oversized_file_is_refused_over_http(server, http, media_root):
    access = server.login("081234567890")["access"]
    eleven_mb = images.encoded("JPEG") + b"\x00" * (11 * 1024 * 1024)

    response = http.post(
        f"{server.url}/api/test/photos/",
        data={"note": "Terlalu besar"},
        files=[("photos", ("big.jpg", eleven_mb, "image/jpeg"))],
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not any(path.is_file() for path in media_root.rglob("*"))
