from django.db import migrations, models


def add_pair_projections(apps, schema_editor):
    # The module's own statement: what it writes is what ingestion keeps from now on.
    from dashboards import rollups
    from ops.database import lift_statement_timeout

    lift_statement_timeout(local=True)
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
