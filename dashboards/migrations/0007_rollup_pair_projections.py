from django.db import migrations, models


def add_pair_projections(apps, schema_editor):
    # The module's own statement: the rows it adds are the ones ingestion keeps from now on.
    from dashboards import rollups

    if schema_editor.connection.vendor == "postgresql":
        # One pass over every day of every series: no request's statement timeout, for this
        # migration's transaction only (the connection goes on serving, e.g. a test run).
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
    rollups.rebuild_projections()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0006_metric_project_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="metricrollup",
            name="projection",
            field=models.CharField(blank=True, default="", max_length=201),
        ),
        migrations.RunPython(add_pair_projections, migrations.RunPython.noop, elidable=True),
    ]
