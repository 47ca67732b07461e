"""Private files are served only through short-lived signed URLs; public ones by plain URL."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import storages
from django.utils import timezone

from jaki.media.models import Visibility
from jaki.media.selectors import media_url
from jaki.media.services import media_delete, media_ingest
from tests.media import images
from tests.media.conftest import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_image(resident):
    return media_ingest(images.encoded("JPEG"), owner=resident)


def test_a_signed_url_streams_the_private_file(client, private_image):
    url = media_url(private_image)

    response = client.get(url)

    assert url.startswith("/media/s/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    stored = storages["media_private"].open(private_image.image_name).read()
    assert b"".join(response.streaming_content) == stored


def test_the_thumbnail_has_its_own_signed_url(client, private_image):
    url = media_url(private_image, thumbnail=True)

    response = client.get(url)

    assert url != media_url(private_image)
    assert b"".join(response.streaming_content) == (
        storages["media_private"].open(private_image.thumbnail_name).read()
    )


def test_a_signed_url_stops_working_after_its_ttl(client, private_image, settings):
    settings.MEDIA_SIGNED_URL_SECONDS = 300
    url = media_url(private_image)

    with time_machine.travel(timezone.now() + timedelta(seconds=290)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=310)):
        response = client.get(url)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "link_expired"


def test_a_forged_token_is_not_found(client, private_image):
    url = media_url(private_image)
    token = url.removeprefix("/media/s/").removesuffix("/")
    payload, _, signature = token.rpartition(":")
    forged = f"/media/s/{payload}:{signature[::-1]}/"

    response = client.get(forged)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_token_for_a_deleted_image_finds_nothing_and_its_files_are_gone(
    client, private_image, media_root, django_capture_on_commit_callbacks
):
    url = media_url(private_image)

    with django_capture_on_commit_callbacks(execute=True):
        media_delete(private_image)

    assert client.get(url).status_code == 404
    assert stored_files(media_root) == []


def test_private_files_have_no_plain_address(client, private_image):
    assert client.get(f"/media/private/{private_image.image_name}").status_code == 404
    assert client.get(f"/media/{private_image.image_name}").status_code == 404


def test_a_public_image_has_a_plain_url_of_its_store(resident, media_root):
    image = media_ingest(images.encoded("PNG"), owner=resident, visibility=Visibility.PUBLIC)

    assert media_url(image) == f"/media/public/{image.image_name}"
    assert media_url(image, thumbnail=True) == f"/media/public/{image.thumbnail_name}"
    assert all(name.startswith("public/") for name in stored_files(media_root))


def test_the_download_answers_get_and_head_only(client, private_image):
    url = media_url(private_image)

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
