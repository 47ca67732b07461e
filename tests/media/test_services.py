"""What the intake leaves behind when the work around it fails, and the clean-up."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from jaki.media.models import StoredImage
from jaki.media.services import (
    FileTooLarge,
    media_delete,
    media_ingest,
    media_prepare,
    media_purge_orphans,
)
from jaki.media.tasks import purge_orphan_media
from tests.accounts.factories import UserFactory
from tests.media import images
from tests.media.conftest import stored_files

pytestmark = pytest.mark.django_db


class ServiceFailed(Exception):
    pass


def test_a_failure_after_the_files_were_written_deletes_them(media_root):
    unsaved = UserFactory.build()  # creating the row refuses an unsaved owner

    with pytest.raises(ValueError):
        media_ingest(images.encoded("JPEG"), owner=unsaved)

    assert StoredImage.objects.count() == 0
    assert stored_files(media_root) == []


def test_files_of_a_rolled_back_transaction_are_purged_once_old_enough(media_root):
    with pytest.raises(ServiceFailed), transaction.atomic():
        media_ingest(images.encoded("JPEG"))
        raise ServiceFailed  # e.g. the complaint around the photo could not be saved
    assert StoredImage.objects.count() == 0
    assert len(stored_files(media_root)) == 2

    assert media_purge_orphans() == 0  # it may still be someone's uncommitted upload
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        purged = purge_orphan_media.delay().get()

    assert purged == 2
    assert stored_files(media_root) == []


def test_the_purge_keeps_files_that_a_row_names(media_root):
    image = media_ingest(images.encoded("JPEG"))

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert media_purge_orphans() == 0

    assert stored_files(media_root) == sorted(
        [f"private/{image.image_name}", f"private/{image.thumbnail_name}"]
    )


def test_a_rolled_back_delete_keeps_the_files(media_root):
    image = media_ingest(images.encoded("JPEG"))

    with pytest.raises(ServiceFailed), transaction.atomic():
        media_delete(image)
        raise ServiceFailed

    assert StoredImage.objects.filter(public_id=image.public_id).exists()
    assert len(stored_files(media_root)) == 2


def test_a_task_can_hand_the_intake_bytes_too_and_is_held_to_the_same_limit(settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(FileTooLarge) as refused:
        media_prepare(images.encoded("PNG", size=(400, 400)) + b"\x00" * 1000)

    assert refused.value.status_code == 413


def test_each_image_gets_unguessable_names_of_its_own(media_root):
    first = media_ingest(images.encoded("JPEG"))
    second = media_ingest(images.encoded("JPEG"))

    assert first.sha256 == second.sha256
    assert first.image_name != second.image_name
