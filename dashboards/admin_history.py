"""The dashboard's History page in the admin: its versions (author, time, message), each
with its diff against the one before, and a restore button for staff who may change it.
Django's own change log stays below them (templates/admin/dashboards/dashboard/
object_history.html). Reads go through the selectors, restore through the service.
"""

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from dashboards import selectors, services
from dashboards.diff import document_diff
from dashboards.exceptions import DomainError
from dashboards.models import Dashboard, DashboardVersion

VERSIONS_PER_PAGE = 20
PAGE_VAR = "versions"
VALUE_PREVIEW = 240


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_PREVIEW else text[: VALUE_PREVIEW - 1] + "…"


def _change(version: DashboardVersion, previous: DashboardVersion | None) -> dict[str, Any]:
    if previous is None or previous.number != version.number - 1:
        # The first version, or the one before it was pruned (retention).
        return {"version": version, "diff": None}
    patch, summary = document_diff(previous.document, version.document)
    operations = [
        {
            "op": op["op"],
            "path": op["path"],
            "source": op.get("from", ""),
            "value": _preview(op["value"]) if "value" in op else "",
        }
        for op in patch
    ]
    return {"version": version, "diff": {"operations": operations, "summary": summary}}


def history_context(request: HttpRequest, dashboard: Dashboard, *, may_restore: bool) -> dict:
    """One page of versions, newest first, each with its diff against the one before:
    three queries (count, the page, the version before the page) whatever the page."""
    versions = selectors.version_list(dashboard=dashboard).select_related("author")
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get(PAGE_VAR))
    rows = list(page.object_list)
    # Asked even when the page ends at version 1, so the page costs the same every time.
    before_page = versions.filter(number__lt=rows[-1].number).first() if rows else None
    older = [*rows[1:], before_page]
    return {
        "versions": [_change(v, p) for v, p in zip(rows, older, strict=True)],
        "versions_page": page,
        "versions_page_var": PAGE_VAR,
        "may_restore": may_restore,
        "current_version": dashboard.version,
    }


def restore(request: HttpRequest, dashboard: Dashboard, number: int) -> HttpResponseRedirect:
    """POST (CSRF-checked by the admin site): restore, say what happened, back to History."""
    try:
        restored, version = services.dashboard_restore(
            actor=request.user,
            dashboard=dashboard,
            number=number,
            message=request.POST.get("message", ""),
            as_admin=True,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if restored.version == dashboard.version:
            messages.info(request, f"Version {version.number} is the current content already.")
        else:
            messages.success(
                request, f"Restored version {version.number} as version {restored.version}."
            )
    return HttpResponseRedirect(reverse("admin:dashboards_dashboard_history", args=[dashboard.pk]))
