"""The feed's and `similar`'s lat/lon indexes cover what `nearby` reads of the box (issue 9):
index-only scans instead of a heap page per complaint. Built concurrently, so submits go on."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("complaints", "0001_initial")]

    operations = [
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(public=True) & ~models.Q(status="rejected"),
                fields=["lat", "lon"],
                include=("id", "status", "category"),
                name="complaint_feed_geo_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(
                    status__in=["submitted", "verified", "dispatched", "in_progress"]
                ),
                fields=["category", "lat", "lon"],
                include=("id",),
                name="complaint_similar_geo_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="complaint", name="complaint_public_geo_idx"),
        RemoveIndexConcurrently(model_name="complaint", name="complaint_open_geo_idx"),
    ]
