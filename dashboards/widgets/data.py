"""Widget data for reads: computed by the registry's providers, cached in the shared cache.

A widget's data is a function of its type, its config, the project's points of its metric
and today's UTC date (windows are whole days). The cache key and the ETag are a digest of
exactly that, with the metric's *data version* (`dashboards.metrics`) standing for the
points. Ingestion replaces the version, so new points change the key and the ETag and
nothing needs deleting; a config change changes them too.

Round trips for a whole dashboard are fixed: one `get_many` for the versions, one
`get_many` for the data, and on a miss one query per widget that has data plus one
`set_many`.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from dashboards import metrics
from dashboards.models import Dashboard, Widget
from dashboards.widgets import providers, registry
from ops import metrics as ops_metrics

DATA_KEY = "widget-data:{digest}"
# Today's date is in the key, so an entry is never read after its day; keep it that long.
DATA_TIMEOUT = 24 * 3600


@dataclass(frozen=True)
class WidgetData:
    key: str
    type: str
    data: Any
    etag: str
    last_modified: datetime
    # True when the caller already holds this ETag: `data` was not looked up (None).
    unchanged: bool = False


@dataclass(frozen=True)
class _Plan:
    widget: Widget
    metric: str | None
    digest: str
    etag: str
    last_modified: datetime


def _plan(dashboard: Dashboard, widgets: list[Widget], now: datetime) -> list[_Plan]:
    """Digest, ETag and Last-Modified of each widget: costs the version lookup only."""
    wanted = {
        widget.key: providers.metric_of(widget.type, widget.config or {}) for widget in widgets
    }
    versions = metrics.data_versions(dashboard.project_id, [m for m in wanted.values() if m])
    today = now.astimezone(UTC).date().isoformat()
    plans = []
    for widget in widgets:
        metric = wanted[widget.key]
        version = versions.get(metric, "") if metric else ""
        identity = json.dumps(
            [widget.type, widget.config or {}, str(dashboard.project_id), metric, version, today],
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        # Data changes with new points (the version's time) or a new config (the dashboard's
        # updated_at moves whenever its widgets are saved).
        changed = [dashboard.updated_at] if dashboard.updated_at else []
        if version:
            changed.append(metrics.version_time(version))
        last_modified = max(changed) if changed else now
        plans.append(_Plan(widget, metric, digest, f'"{digest}"', last_modified))
    return plans


def _compute(dashboard: Dashboard, widget: Widget, now: datetime) -> Any:
    provider = registry.provider_for(widget.type)
    if provider is None or not registry.get(widget.type).has_data:
        return None
    return provider(project_id=dashboard.project_id, config=widget.config or {}, now=now)


def dashboard_widget_payloads(
    dashboard: Dashboard, widgets: list[Widget], *, known_etags: frozenset[str] = frozenset()
) -> list[WidgetData]:
    """Data, ETag and Last-Modified of each widget, in the order given (cached).

    A widget whose current ETag is in `known_etags` (or `*` is) comes back `unchanged`,
    without its data being read or computed (what a 304 needs).
    """
    now = timezone.now()
    plans = _plan(dashboard, widgets, now)
    if "*" in known_etags:
        known_etags = frozenset(plan.etag for plan in plans)
    keys = {
        plan.widget.key: DATA_KEY.format(digest=plan.digest)
        for plan in plans
        if plan.metric and plan.etag not in known_etags
    }
    cached = cache.get_many(list(keys.values())) if keys else {}
    fresh: dict[str, Any] = {}
    results = []
    for plan in plans:
        widget = plan.widget
        if plan.etag in known_etags:
            results.append(
                WidgetData(widget.key, widget.type, None, plan.etag, plan.last_modified, True)
            )
            continue
        cache_key = keys.get(widget.key)
        if cache_key is None:
            data = _compute(dashboard, widget, now)  # no metric: no query (text)
        elif cache_key in cached:
            data = cached[cache_key]["data"]
        else:
            data = _compute(dashboard, widget, now)
            fresh[cache_key] = {"data": data}  # wrapped: None is a value, not a miss
        results.append(WidgetData(widget.key, widget.type, data, plan.etag, plan.last_modified))
    ops_metrics.widget_data_lookups(hits=len(keys) - len(fresh), misses=len(fresh))
    if fresh:
        cache.set_many(fresh, timeout=DATA_TIMEOUT)
    return results


def widget_payload(
    dashboard: Dashboard, widget: Widget, *, known_etags: frozenset[str] = frozenset()
) -> WidgetData:
    return dashboard_widget_payloads(dashboard, [widget], known_etags=known_etags)[0]


def widget_data(dashboard: Dashboard, widget: Widget) -> Any:
    return widget_payload(dashboard, widget).data


def dashboard_widget_data(dashboard: Dashboard, widgets: list[Widget]) -> dict[str, Any]:
    """Map each widget's key to its data (None for types without data)."""
    return {item.key: item.data for item in dashboard_widget_payloads(dashboard, widgets)}
