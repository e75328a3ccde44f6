"""WSGI entry point (gunicorn dashboards_site.wsgi; runserver loads it too)."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")
django.setup(set_prefix=False)

from django.urls import get_resolver  # noqa: E402 - needs settings

from dashboards_site.handlers import Application  # noqa: E402 - needs settings
from dashboards_site.serving import refuse_unsafe_settings  # noqa: E402 - needs settings

application = Application()
refuse_unsafe_settings()

# Load every view now rather than on the first request, then move everything loaded so far
# out of the collector's reach: these objects live as long as the process, and a full
# collection walked all ~110,000 of them each time (41-49 ms in one request's latency).
get_resolver().url_patterns  # noqa: B018 - loads the URLconf
gc.freeze()
