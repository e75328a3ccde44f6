"""Dashboard history: the one place a version row is made, and retention.

`dashboard_save` calls `version_append` in the transaction of every write that changes a
dashboard, after the dashboard and its widgets are written; nothing else appends versions.
Bulk builders (demo and benchmark data) make the same rows with `version_build` and
`bulk_create` them, so every version has one document shape: `specs.export_document`.
Restore is a write like any other (`services.dashboards.dashboard_restore`). Decisions:
docs/history.md.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from dashboards.exceptions import ValidationFailed
from dashboards.limits import DEFAULT_VERSIONS_KEEP, VERSION_MESSAGE_MAX_LENGTH
from dashboards.models import Dashboard, DashboardVersion, Widget
from dashboards.services.common import contains_nul
from dashboards.specs import export_document


def clean_message(message: Any, *, field: str = "message") -> str:
    """A write's note: a string of at most VERSION_MESSAGE_MAX_LENGTH characters (None is
    none). Checked before anything is written."""
    if message is None:
        return ""
    if not isinstance(message, str):
        raise ValidationFailed(details={field: ["Must be a string."]})
    if len(message) > VERSION_MESSAGE_MAX_LENGTH:
        raise ValidationFailed(
            details={
                field: [
                    f"Ensure this value has at most {VERSION_MESSAGE_MAX_LENGTH} characters "
                    f"(it has {len(message)})."
                ]
            }
        )
    if contains_nul(message):
        raise ValidationFailed(details={field: ["Null characters are not allowed."]})
    return message


def versions_keep() -> int:
    """How many versions a dashboard keeps (DASHBOARD_VERSIONS_KEEP; 0 keeps all)."""
    return int(getattr(settings, "DASHBOARD_VERSIONS_KEEP", DEFAULT_VERSIONS_KEEP))


def version_build(
    *,
    dashboard: Dashboard,
    widgets: Iterable[Widget],
    author: Any,
    message: str = "",
    restored_from: int | None = None,
) -> DashboardVersion:
    """An unsaved version of the dashboard as it is now: its `version` as the number, its
    `updated_at` as the time, its export document. `widgets` in their order."""
    return DashboardVersion(
        dashboard=dashboard,
        number=dashboard.version,
        author=author if getattr(author, "is_authenticated", False) else None,
        created_at=dashboard.updated_at,
        message=message,
        restored_from=restored_from,
        document=export_document(dashboard, widgets),
    )


def version_append(
    *,
    dashboard: Dashboard,
    widgets: Iterable[Widget],
    author: Any,
    message: str = "",
    restored_from: int | None = None,
) -> DashboardVersion:
    """Record the dashboard's state as its newest version and prune the oldest beyond
    retention. Inside the writer's transaction: the row and the write commit together."""
    version = version_build(
        dashboard=dashboard,
        widgets=widgets,
        author=author,
        message=message,
        restored_from=restored_from,
    )
    version.save(force_insert=True)
    versions_prune(dashboard=dashboard)
    return version


def versions_prune(*, dashboard: Dashboard, keep: int | None = None) -> int:
    """Delete versions older than the newest `keep` numbers (settings when None; 0 keeps
    all). Numbers are never reused: the next write still takes `version + 1`."""
    keep = versions_keep() if keep is None else keep
    if keep <= 0 or dashboard.version <= keep:
        return 0
    deleted, _ = DashboardVersion.objects.filter(
        dashboard=dashboard, number__lte=dashboard.version - keep
    ).delete()
    return deleted
