from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Cached list totals follow every write path, admin and cascades included; the
        # widget type modules load now, not in the middle of a first request.
        from dashboards import listcounts
        from dashboards.widgets import registry
        from ops import pgtypes

        registry.names()
        listcounts.connect()
        # Timestamps read in C (ops/pgtypes.py): a list page parses hundreds of them.
        pgtypes.connect()
