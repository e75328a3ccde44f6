"""Pieces both API families share: the dashboard ETag, reading If-Match, the
`var-<name>` query parameters of the reads that compute widget data, a share's URL."""

import hashlib
import json
import re

from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter

from dashboards import variables
from dashboards.exceptions import ValidationFailed
from dashboards.models import Dashboard
from dashboards.widgets.query import NO_VARIABLES, Variables

# A read under variable values adds a digest of them to the version's ETag.
_VALUES_SUFFIX = re.compile(r"~[0-9a-f]{8}$")

# OpenAPI 3.0 cannot name a family of parameters (`var-<name>`), so the time range is
# spelled out and the description says how a dimension variable is set.
VARIABLE_PARAMETERS = [
    OpenApiParameter(
        f"{variables.QUERY_PREFIX}{variables.TIME_RANGE}",
        {
            "type": "string",
            "maxLength": 100,
            "anyOf": [
                {"enum": list(variables.PRESETS)},
                {"pattern": r"^[^/]+/[^/]+$"},
            ],
        },
        OpenApiParameter.QUERY,
        description=(
            "The dashboard's time range for this read, if it declares a `timeRange` "
            f"variable: a preset ({', '.join(variables.PRESETS)}) or an ISO 8601 interval "
            "`<from>/<to>` (e.g. `2026-01-01T00:00:00Z/2026-02-01T00:00:00Z`, at most "
            "10 years). Each dimension variable is set the same way, `var-<name>=<value>` "
            f"(`{variables.ALL}` for no filter). An unknown variable or a bad value is a 400 "
            "naming it (docs/variables.md)."
        ),
    )
]


def dashboard_etag(dashboard: Dashboard, values: Variables | None = None) -> str:
    """Strong ETag of a dashboard's current state: its id and version, and for a read whose
    widget data was computed under variable values (a range, filters) a digest of those
    resolved values, `"<id>-v3~1a2b3c4d"`. If-Match takes either form: the version decides."""
    tag = f"{dashboard.pk}-v{dashboard.version}"
    if values is not None and values != NO_VARIABLES:
        identity = json.dumps(values.identity(), separators=(",", ":"))
        tag += "~" + hashlib.sha256(identity.encode()).hexdigest()[:8]
    return f'"{tag}"'


def expected_version_from_if_match(request: HttpRequest, dashboard: Dashboard) -> int | None:
    """The version the client edited, from `If-Match` (an ETag we issued, or `*`).

    None when the header is absent or `*` (no precondition). A well-formed ETag of another
    version returns that version, so the service answers 412; garbage is a 400.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
    tag = _VALUES_SUFFIX.sub("", tag)
    prefix = f"{dashboard.pk}-v"
    if tag.startswith(prefix) and tag[len(prefix) :].isdigit():
        return int(tag[len(prefix) :])
    if tag.count("-v") == 1 and tag.rsplit("-v", 1)[1].isdigit():
        return 0  # an ETag of another dashboard never matches
    raise ValidationFailed(
        "If-Match must be an ETag returned by this API.",
        details={"If-Match": ["Not an ETag returned by this API."]},
    )


def share_url(request: HttpRequest, token: str) -> str:
    """The page a share link opens (`/s/{token}`), absolute."""
    return request.build_absolute_uri(reverse("share-page", args=[token]))
