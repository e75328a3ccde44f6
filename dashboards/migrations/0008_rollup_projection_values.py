from django.db import migrations, models


def fill_projection_values(apps, schema_editor):
    # The module's own statement: the values it copies are the ones ingestion writes now.
    from dashboards import rollups

    if schema_editor.connection.vendor == "postgresql":
        # A pass over every projection row: no request's statement timeout, for this
        # migration's transaction only.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
    rollups.fill_projection_values()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0007_rollup_pair_projections"),
    ]

    operations = [
        migrations.AddField(
            model_name="metricrollup",
            name="a_value",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="metricrollup",
            name="b_value",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        # Filled before the indexes are built: one build each instead of an update per row.
        migrations.RunPython(fill_projection_values, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="metricrollup",
            index=models.Index(
                condition=models.Q(("a_value__isnull", False)),
                fields=["project", "metric", "projection", "a_value", "bucket"],
                name="metric_rollup_a_value",
            ),
        ),
        migrations.AddIndex(
            model_name="metricrollup",
            index=models.Index(
                condition=models.Q(("b_value__isnull", False)),
                fields=["project", "metric", "projection", "b_value", "bucket"],
                name="metric_rollup_b_value",
            ),
        ),
    ]
