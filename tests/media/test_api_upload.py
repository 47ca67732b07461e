"""The intake through a real multipart request, as a service's photo endpoint will use it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jaki.media.models import StoredImage
from tests.media import images
from tests.media.conftest import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.media.urls")]

URL = "/api/test/photos/"


def upload(client, *files: bytes, name="photo.jpg", **headers):
    photos = [SimpleUploadedFile(name, data, "image/jpeg") for data in files]
    body = {"note": "Jalan berlubang", "photos": photos}
    return client.post(URL, body, format="multipart", **headers)


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def test_a_phone_photo_is_stored_upright_without_exif_and_at_most_2048_px(
    as_user, resident, media_root
):
    client = as_user(resident)

    response = upload(client, images.jpeg_from_a_phone())

    assert response.status_code == 201, response.json()
    (photo,) = response.json()["photos"]
    assert (photo["width"], photo["height"]) == (1365, 2048)  # 3000x2000 turned upright
    assert photo["content_type"] == "image/jpeg"
    stored = download(client, photo["url"])
    image = Image.open(io.BytesIO(stored))
    assert image.size == (1365, 2048)
    top, bottom = image.getpixel((680, 100)), image.getpixel((680, 1950))
    assert top[0] > 180 and top[2] < 80  # red on top: the orientation was applied
    assert bottom[2] > 180 and bottom[0] < 80
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info
    for trace in (b"Exif", b"Canon", b"EOS", b"GPS", b"xmpmeta", b"Siti"):
        assert trace not in stored
    thumbnail = Image.open(io.BytesIO(download(client, photo["thumbnail_url"])))
    assert max(thumbnail.size) == 320
    row = StoredImage.objects.get(public_id=photo["id"])
    assert row.owner == resident
    assert len(stored_files(media_root)) == 2


@pytest.mark.parametrize(
    ("format", "mode"),
    [("PNG", "RGBA"), ("WEBP", "RGB"), ("HEIF", "RGB"), ("JPEG", "L")],
    ids=["png-with-alpha", "webp", "heic", "greyscale-jpeg"],
)
def test_png_webp_and_heic_are_taken_and_stored_as_jpeg(
    as_user, resident, media_root, format, mode
):
    client = as_user(resident)

    response = upload(client, images.encoded(format, mode=mode), name="IMG_0001.HEIC")

    assert response.status_code == 201, response.json()
    (photo,) = response.json()["photos"]
    assert (photo["width"], photo["height"]) == (640, 480)
    assert Image.open(io.BytesIO(download(client, photo["url"]))).format == "JPEG"
    names = stored_files(media_root)
    assert len(names) == 2
    assert all(name.startswith("private/") and "IMG_0001" not in name for name in names)


def test_three_photos_are_stored_in_one_request(as_user, resident, media_root):
    response = upload(as_user(resident), *[images.encoded("JPEG")] * 3)

    assert response.status_code == 201
    assert len(response.json()["photos"]) == 3
    assert len(stored_files(media_root)) == 6


def test_json_without_photos_is_taken_by_the_same_endpoint(as_user, resident, media_root):
    response = as_user(resident).post(URL, {"note": "Tanpa foto"}, format="json")

    assert response.status_code == 201
    assert response.json() == {"photos": []}


def _refused(response, status: int, code: str, media_root) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert StoredImage.objects.count() == 0
    assert stored_files(media_root) == []
    return body


def test_a_text_file_named_jpg_is_refused_with_415(as_user, resident, media_root):
    response = upload(as_user(resident), b"not a photo at all\n" * 100)

    body = _refused(response, 415, "unsupported_image", media_root)
    assert "JPEG" in body["error"]["message"]


def test_a_gif_is_not_one_of_the_accepted_types(as_user, resident, media_root):
    _refused(upload(as_user(resident), images.encoded("GIF")), 415, "unsupported_image", media_root)


def test_a_truncated_jpeg_is_a_validation_error_of_the_photos(as_user, resident, media_root):
    whole = images.jpeg_from_a_phone(size=(800, 600))

    response = upload(as_user(resident), whole[: len(whole) // 2])

    body = _refused(response, 400, "validation_error", media_root)
    assert list(body["error"]["fields"]) == ["photos"]


def test_a_decompression_bomb_is_refused_before_it_is_decoded(as_user, resident, media_root):
    response = upload(as_user(resident), images.png_declaring(30000, 30000), name="bomb.png")

    _refused(response, 413, "image_too_large", media_root)


def test_our_own_pixel_limit_is_lower_than_pillows(as_user, resident, media_root, settings):
    # 72 million pixels: under Pillow's warning (89 M), over MEDIA_MAX_PIXELS (64 M).
    assert settings.MEDIA_MAX_PIXELS == 64_000_000

    response = upload(as_user(resident), images.png_declaring(9000, 8000), name="big.png")

    _refused(response, 413, "image_too_large", media_root)


def test_a_file_over_10_mb_is_refused_with_413(as_user, resident, media_root):
    eleven_mb = images.encoded("JPEG") + b"\x00" * (11 * 1024 * 1024)

    response = upload(as_user(resident), eleven_mb)

    _refused(response, 413, "payload_too_large", media_root)


def test_more_than_three_photos_are_refused(as_user, resident, media_root):
    response = upload(as_user(resident), *[images.encoded("JPEG")] * 4)

    body = _refused(response, 400, "validation_error", media_root)
    assert body["error"]["fields"] == {"photos": ["Kirim paling banyak 3 foto."]}


def test_one_bad_photo_among_good_ones_leaves_none_stored(as_user, resident, media_root):
    response = upload(as_user(resident), images.encoded("JPEG"), b"%PDF-1.7 not an image")

    _refused(response, 415, "unsupported_image", media_root)


def test_a_bad_photo_is_refused_in_english_too(as_user, resident, media_root):
    response = upload(as_user(resident), b"plain text", HTTP_ACCEPT_LANGUAGE="en")

    body = _refused(response, 415, "unsupported_image", media_root)
    assert body["error"]["message"] == "Send a photo in JPEG, PNG, WebP or HEIC format."


def test_an_anonymous_upload_is_refused(api_client, media_root):
    response = upload(api_client, images.encoded("JPEG"))

    _refused(response, 401, "not_authenticated", media_root)


def test_the_files_of_one_request_are_held_to_a_total_too(as_user, resident, media_root, settings):
    settings.MEDIA_MAX_REQUEST_BYTES = 50_000
    photo = images.jpeg_from_a_phone(size=(1200, 900))
    assert 50_000 / 3 < len(photo) < 50_000  # each one passes, the three together do not

    response = upload(as_user(resident), photo, photo, photo)

    _refused(response, 413, "payload_too_large", media_root)
