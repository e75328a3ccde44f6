from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers each widget type's data provider with the registry.
        from dashboards.widgets import providers  # noqa: F401
