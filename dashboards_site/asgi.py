"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")
application = get_asgi_application()

from dashboards_site.serving import refuse_unsafe_settings  # noqa: E402 - needs settings

refuse_unsafe_settings()
