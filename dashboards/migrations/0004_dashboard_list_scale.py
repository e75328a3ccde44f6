"""Lists at a million dashboards: a stored widget count (backfilled), the list-count
versions, an index per visibility source and indexed order, and on PostgreSQL a trigram
index for `contains(name, ...)` (docs/performance.md, docs/list-counts.md)."""

from django.conf import settings
from django.db import migrations, models

BACKFILL_WIDGET_COUNT = """
    UPDATE dashboards_dashboard SET widget_count = (
        SELECT COUNT(*) FROM dashboards_widget w WHERE w.dashboard_id = dashboards_dashboard.id
    )
    WHERE EXISTS (SELECT 1 FROM dashboards_widget w WHERE w.dashboard_id = dashboards_dashboard.id)
"""


def create_trigram_index(apps, schema_editor):
    # Django's icontains on PostgreSQL is UPPER(name::text) LIKE UPPER(%s): the same
    # expression, so the planner can use the index. pg_trgm is a trusted extension
    # (PostgreSQL 13+): the database owner may create it.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS dashboard_name_trgm ON dashboards_dashboard "
        "USING gin (UPPER(name::text) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dashboard_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0003_dashboard_versions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardListVersion',
            fields=[
                ('user_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('version', models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='dashboard',
            name='dashboards__project_1585fa_idx',
        ),
        migrations.AddField(
            model_name='dashboard',
            name='widget_count',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='project',
            name='list_version',
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['owner', 'updated_at', 'id'], name='dashboard_owner_updated'),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['owner', 'name', 'id'], name='dashboard_owner_name'),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['owner', 'type', 'created_at', 'id'], name='dashboard_owner_type'),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['project', 'scope', 'created_at', 'id'], name='dashboard_shared_created'),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['project', 'scope', 'updated_at', 'id'], name='dashboard_shared_updated'),
        ),
        migrations.AddIndex(
            model_name='dashboard',
            index=models.Index(fields=['project', 'scope', 'name', 'id'], name='dashboard_shared_name'),
        ),
        migrations.RunSQL(BACKFILL_WIDGET_COUNT, migrations.RunSQL.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
        migrations.AddConstraint(
            model_name='dashboard',
            constraint=models.CheckConstraint(condition=models.Q(('widget_count__gte', 0), ('widget_count__lte', 100)), name='dashboard_widget_count_range'),
        ),
    ]
