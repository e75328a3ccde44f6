from django.db import migrations, models


def fill_projection_values(apps, schema_editor):
    # The module's own statement: what it writes is what ingestion keeps from now on.
    from dashboards import rollups
    from ops.database import lift_statement_timeout

    lift_statement_timeout(local=True)
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
