"""Staff with the view permission see stored images, with previews by signed URL; no one edits."""

import re

import pytest
from django.contrib.auth.models import Permission

from jaki.media.services import media_ingest
from tests.accounts.factories import StaffFactory
from tests.media import images

pytestmark = pytest.mark.django_db

LIST = "/admin/media/storedimage/"


def _staff(client, phone: str, *permissions: str):
    staff = StaffFactory(phone=phone)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    client.force_login(staff)
    return staff


def test_staff_with_the_view_permission_see_previews_by_signed_url(client):
    image = media_ingest(images.encoded("JPEG"))
    _staff(client, "+6281100000050", "view_storedimage")

    listing = client.get(LIST)
    detail = client.get(f"{LIST}{image.pk}/change/")

    assert listing.status_code == 200
    page = listing.content.decode()
    assert str(image.public_id) in page
    (preview,) = re.findall(r'<img src="(/media/s/[^"]+)"', page)
    assert client.get(preview).status_code == 200
    assert detail.status_code == 200


def test_nobody_adds_changes_or_deletes_an_image_there(client):
    image = media_ingest(images.encoded("JPEG"))
    admin = StaffFactory(phone="+6281100000051", is_superuser=True)
    client.force_login(admin)

    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{image.pk}/change/", {"kind": "snapshot"}).status_code == 403
    assert client.post(f"{LIST}{image.pk}/delete/", {"post": "yes"}).status_code == 403


def test_staff_without_the_permission_cannot_see_the_list(client):
    _staff(client, "+6281100000052")

    assert client.get(LIST).status_code == 403
