"""Test settings: the real settings, plus what makes a test run fast and isolated."""

import os
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("DJANGO_ALLOW_INSECURE_KEY", "1")

from dashboards_site.settings import *  # noqa: F403
from dashboards_site.settings import CACHES, DATABASES, REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A prefix of its own, so that test runs sharing one Redis never see each other's keys.
CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/min", "user": "100000/min"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every held response is checked against the one built now (dashboards/api/held_responses.py).
HELD_RESPONSES_CHECK = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared in-memory: the live server's threads then get connections of their
    # own (WAL, busy timeout, IMMEDIATE) exactly as in production, instead of sharing one.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"dashboards-test-{os.getpid()}.sqlite3")
    }
