from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Cached list totals follow every write path, admin and cascades included; the
        # providers module registers each widget type's data provider with the registry.
        from dashboards import listcounts
        from dashboards.widgets import providers  # noqa: F401

        listcounts.connect()
