"""The same intake on S3 (django-storages), against moto's S3 server on loopback: private
images by the store's own presigned URLs, public ones by plain URL, deletes and the purge."""

import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
import time_machine
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image

from jaki.media.models import Visibility
from jaki.media.selectors import media_url
from jaki.media.services import media_delete, media_ingest, media_purge_orphans
from tests.media import images
from tests.servers import free_port

pytestmark = pytest.mark.django_db

BUCKET = "jaki-media"
S3 = "storages.backends.s3.S3Storage"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
        }
    ],
}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=BUCKET)
    # What the README asks of a real bucket: anyone may read `public/*`, nothing else.
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    common = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "default_acl": None,
        "file_overwrite": False,
    }
    # As jaki/settings.py configures the two stores when AWS_STORAGE_BUCKET_NAME is set.
    settings.STORAGES = {
        **settings.STORAGES,
        "media_private": {
            "BACKEND": S3,
            "OPTIONS": {
                **common,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": settings.MEDIA_SIGNED_URL_SECONDS,
                "signature_version": "s3v4",
            },
        },
        "media_public": {
            "BACKEND": S3,
            "OPTIONS": {**common, "location": "public", "querystring_auth": False},
        },
    }
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False
    return session


def test_a_private_image_is_served_only_by_a_presigned_url(bucket, http):
    image = media_ingest(images.jpeg_from_a_phone(size=(900, 600)))

    url = media_url(image)

    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/{BUCKET}/private/{image.image_name}"
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query
    response = http.get(url, timeout=10)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (600, 900)
    assert b"Canon" not in response.content
    # S3 itself refuses the URL after X-Amz-Expires; moto does not check that, so the
    # expiry is proven by the signed query above, and the refusal without a signature here.
    unsigned = url.split("?", 1)[0]
    assert http.get(unsigned, timeout=10).status_code == 403
    assert _keys(bucket) == sorted(
        [f"private/{image.image_name}", f"private/{image.thumbnail_name}"]
    )


def test_a_public_image_has_a_plain_url(bucket, http):
    image = media_ingest(images.encoded("PNG"), visibility=Visibility.PUBLIC)

    url = media_url(image, thumbnail=True)

    assert urlsplit(url).query == ""
    assert urlsplit(url).path == f"/{BUCKET}/public/{image.thumbnail_name}"
    assert http.get(url, timeout=10).status_code == 200


def test_deleting_an_image_deletes_its_objects(bucket, django_capture_on_commit_callbacks):
    image = media_ingest(images.encoded("JPEG"))

    with django_capture_on_commit_callbacks(execute=True):
        media_delete(image)

    assert _keys(bucket) == []


def test_the_purge_lists_the_bucket_by_day_and_deletes_orphans(bucket, media_root):
    kept = media_ingest(images.encoded("JPEG"))
    bucket.put_object(Bucket=BUCKET, Key=f"private/{timezone.now():%Y/%m/%d}/orphan.jpg", Body=b"x")

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert media_purge_orphans() == 1

    assert _keys(bucket) == sorted([f"private/{kept.image_name}", f"private/{kept.thumbnail_name}"])
