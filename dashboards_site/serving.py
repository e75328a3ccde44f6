"""What must hold before the application serves a single request (wsgi.py, asgi.py; the
development server loads wsgi.py too). Management commands never come here, so
`makemigrations --check`, `spectacular` and the tests may use the repository's key."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_unsafe_settings() -> None:
    if settings.INSECURE_KEY and not settings.DEBUG:
        raise ImproperlyConfigured(
            "Refusing to serve with the repository's insecure SECRET_KEY while DEBUG is off: "
            "anyone could sign tokens. Set SECRET_KEY (DJANGO_ALLOW_INSECURE_KEY=1 is for "
            "management commands and tests only)."
        )
