"""WSGI entry point (gunicorn dashboards_site.wsgi; runserver loads it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")
application = get_wsgi_application()

from dashboards_site.serving import refuse_unsafe_settings  # noqa: E402 - needs settings

refuse_unsafe_settings()
