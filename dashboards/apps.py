from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Load the widget type modules now, not in the middle of a first request.
        from dashboards.widgets import registry

        registry.names()
