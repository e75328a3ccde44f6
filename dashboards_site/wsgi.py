"""WSGI entry point (gunicorn dashboards_site.wsgi; runserver loads it too)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")
django.setup(set_prefix=False)

from dashboards_site.handlers import Application  # noqa: E402 - needs settings
from dashboards_site.serving import refuse_unsafe_settings  # noqa: E402 - needs settings

application = Application()
refuse_unsafe_settings()
