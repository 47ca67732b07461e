"""The feed's and `similar`'s lat/lon indexes cover what `nearby` reads of the box (issue 9):
index-only scans instead of a heap page per complaint. Built concurrently, so submits go on."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class _PlainElsewhere:
    """Concurrently on PostgreSQL; a plain index operation on SQLite (`make run`)."""

    plain: type

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgres(_PlainElsewhere, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexConcurrentlyOnPostgres(_PlainElsewhere, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("complaints", "0001_initial")]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(public=True) & ~models.Q(status="rejected"),
                fields=["lat", "lon"],
                include=("id", "status", "category"),
                name="complaint_feed_geo_idx",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
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
        RemoveIndexConcurrentlyOnPostgres(model_name="complaint", name="complaint_public_geo_idx"),
        RemoveIndexConcurrentlyOnPostgres(model_name="complaint", name="complaint_open_geo_idx"),
    ]
