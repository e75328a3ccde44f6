"""The moment widget data and time-range presets are computed for.

One place to read "now", so that tests (and a reproducible demo) can pin it with the
`DASHBOARDS_FIXED_NOW` setting (an aware ISO 8601 timestamp) instead of patching the
database or the system clock. Unset, it is the real time in UTC.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    fixed = getattr(settings, "DASHBOARDS_FIXED_NOW", None)
    if fixed:
        moment = datetime.fromisoformat(fixed) if isinstance(fixed, str) else fixed
        if moment.tzinfo is None:
            raise ValueError("DASHBOARDS_FIXED_NOW needs a time zone")
        return moment
    return timezone.now()
