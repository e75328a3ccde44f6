"""Pieces both API families share: the dashboard ETag, reading If-Match, a share's URL."""

from django.http import HttpRequest
from django.urls import reverse

from dashboards.exceptions import ValidationFailed
from dashboards.models import Dashboard


def dashboard_etag(dashboard: Dashboard) -> str:
    """Strong ETag of a dashboard's current state: its id and version."""
    return f'"{dashboard.pk}-v{dashboard.version}"'


def expected_version_from_if_match(request: HttpRequest, dashboard: Dashboard) -> int | None:
    """The version the client edited, from `If-Match` (an ETag we issued, or `*`).

    None when the header is absent or `*` (no precondition). A well-formed ETag of another
    version returns that version, so the service answers 412; garbage is a 400.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tag = header.split(",")[0].strip().removeprefix("W/").strip('"')
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
