"""Widget data for reads: computed by the type modules' providers, cached in the shared cache.

A widget's data is a function of its type, its config, the points of its metric, the
dashboard's variables and today's UTC date (windows are whole days). The cache key and the
ETag are a digest of exactly that, with the metric's series version (`MetricSeries`, read
from the database, bumped in the ingestion transaction) standing for the points. So:

- new points change the key and the ETag, and nothing needs deleting;
- a cache flushed, restored from an older snapshot or unreachable can cost a recomputation,
  never a stale answer: no key the cache may still hold names the current version unless it
  was computed from the current points (versions are read before the data);
- every entry has a TTL (it is useless after its day anyway).

A dashboard read costs one query for the versions of all its metrics (none when they came
with the widgets: `selectors.dashboard_get(with_series=True)`), one `get_many`, and on a
miss one provider statement per widget (plus, on PostgreSQL, the statement that sets its
timeout) and one `set_many`. All widgets of a request share one deadline
(`dashboards.widgets.deadline`): a widget that fails or runs out of time answers
`data: null` with an `error` object, alone; failures are never cached.
"""

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from psycopg.errors import QueryCanceled

from dashboards import clock, metrics
from dashboards.models import Dashboard, Widget
from dashboards.widgets import registry
from dashboards.widgets.common import DataRequest
from dashboards.widgets.deadline import Deadline, WidgetDataTimeout
from dashboards.widgets.query import NO_VARIABLES, Variables
from dashboards_site.held import Held
from ops import metrics as ops_metrics

logger = logging.getLogger(__name__)

DATA_KEY = "widget-data:{digest}"
# Today's date is in the key, so an entry is never read after its day; keep it that long.
DATA_TIMEOUT = 24 * 3600

TIMEOUT_ERROR = "WIDGET_TIMEOUT"
DATA_ERROR = "WIDGET_DATA_ERROR"


@dataclass(frozen=True)
class WidgetData:
    key: str
    type: str
    data: Any
    plan: "WidgetPlan" = field(repr=False)
    # True when the caller already holds this ETag: `data` was not looked up (None).
    unchanged: bool = False
    # {"code", "message"} when the data could not be computed (then `data` is None).
    error: dict[str, str] | None = None

    @property
    def etag(self) -> str:
        return self.plan.etag

    @property
    def last_modified(self) -> datetime:
        return self.plan.last_modified

    def body_fields(self) -> dict[str, Any]:
        """`data`, and `error` when there is one: what a widget's JSON carries."""
        if self.error is None:
            return {"data": self.data}
        return {"data": None, "error": self.error}


class WidgetPlan:
    """What a widget's data depends on. The digest (the cache key and the ETag) is made
    when first asked for: a dashboard read never asks it of a widget without a metric."""

    def __init__(
        self, widget: Widget, metric: str | None, identity: list[Any], last_modified: datetime
    ) -> None:
        self.widget = widget
        self.metric = metric
        self.last_modified = last_modified
        self._identity = identity

    @functools.cached_property
    def digest(self) -> str:
        identity = json.dumps(self._identity, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(identity.encode()).hexdigest()[:32]

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def widget_plans(
    dashboard: Dashboard, widgets: list[Widget], now: datetime, variables: Variables
) -> list[WidgetPlan]:
    """What each widget's data depends on, and its Last-Modified: costs the version query
    only."""
    wanted = {
        widget.key: registry.get(widget.type).metric(widget.config or {}) for widget in widgets
    }
    versions = _joined_versions(widgets, wanted)
    if versions is None:
        versions = metrics.series_versions(dashboard.project_id, [m for m in wanted.values() if m])
    today = now.astimezone(UTC).date().isoformat()
    chosen = variables.identity()
    project = str(dashboard.project_id)
    plans = []
    for widget in widgets:
        metric = wanted[widget.key]
        version = versions.get(metric, metrics.NO_DATA) if metric else metrics.NO_DATA
        identity = [widget.type, widget.config or {}, project, metric, version.token, today, chosen]
        # Data changes with new points (the series' change time) or a new config (the
        # dashboard's updated_at moves whenever its widgets are saved).
        changed = [moment for moment in (dashboard.updated_at, version.changed_at) if moment]
        last_modified = max(changed) if changed else now
        plans.append(WidgetPlan(widget, metric, identity, last_modified))
    return plans


def _joined_versions(
    widgets: list[Widget], wanted: dict[str, str | None]
) -> dict[str, metrics.SeriesVersion] | None:
    """The versions `selectors.dashboard_get` read with the widgets (in the dashboard's
    statement), or None when these widgets were loaded otherwise."""
    versions = {}
    for widget in widgets:
        metric = wanted[widget.key]
        if not metric:
            continue
        try:
            series = widget.joined_series
        except AttributeError:
            return None
        if series is None:
            versions[metric] = metrics.NO_DATA
        elif series.metric == metric:
            versions[metric] = metrics.SeriesVersion(series.version, series.changed_at)
        else:  # the SQL rule and the type module disagree: ask the database again
            return None
    return versions


def _compute(
    dashboard: Dashboard,
    widget: Widget,
    now: datetime,
    variables: Variables,
    deadline: Deadline,
) -> Any:
    widget_type = registry.get(widget.type)
    if widget_type.provider is None or not widget_type.has_data:
        return None
    request = DataRequest(dashboard.project_id, widget.config or {}, now, variables, deadline)
    return widget_type.provider(request)


def _error(dashboard: Dashboard, widget: Widget, deadline: Deadline, exc: Exception) -> dict:
    # PostgreSQL cancels a statement past its SET LOCAL statement_timeout (QueryCanceled);
    # SQLite's progress handler interrupts it; either way the budget is then spent.
    timed_out = (
        isinstance(exc, WidgetDataTimeout)
        or isinstance(exc.__cause__, QueryCanceled)
        or deadline.expired()
    )
    if timed_out:
        logger.warning(
            "widget data timed out: dashboard=%s widget=%s budget=%.1fs",
            dashboard.pk,
            widget.key,
            deadline.seconds,
        )
        return {
            "code": TIMEOUT_ERROR,
            "message": (
                f"This widget's data took longer than the {deadline.seconds:g} s allowed for "
                "the dashboard; try a shorter range or fewer widgets, or ask again."
            ),
        }
    logger.exception("widget data failed: dashboard=%s widget=%s", dashboard.pk, widget.key)
    return {"code": DATA_ERROR, "message": "This widget's data could not be computed."}


def dashboard_widget_payloads(
    dashboard: Dashboard,
    widgets: list[Widget],
    *,
    known_etags: frozenset[str] = frozenset(),
    variables: Variables = NO_VARIABLES,
    deadline: Deadline | None = None,
    now: datetime | None = None,
    plans: list[WidgetPlan] | None = None,
) -> list[WidgetData]:
    """Data, ETag and Last-Modified of each widget, in the order given (cached).

    A widget whose current ETag is in `known_etags` (or `*` is) comes back `unchanged`,
    without its data being read or computed (what a 304 needs). `now` is the moment the
    variables were resolved for (`dashboards.clock` when None); `plans`: `widget_plans` of
    these widgets, when the caller made them already.
    """
    now = now or clock.now()
    deadline = deadline or Deadline()
    nested = connection.in_atomic_block
    if plans is None:
        plans = widget_plans(dashboard, widgets, now, variables)
    if "*" in known_etags:
        known_etags = frozenset(plan.etag for plan in plans)
    keys = {
        plan.widget.key: DATA_KEY.format(digest=plan.digest)
        for plan in plans
        if plan.metric and plan.etag not in known_etags
    }
    cached = _held.recall(keys.values())
    missing = [key for key in keys.values() if key not in cached]
    if missing:
        fetched = cache.get_many(missing)
        _held.remember(fetched)
        cached.update(fetched)
    fresh: dict[str, Any] = {}
    results = []
    for plan in plans:
        widget = plan.widget
        if known_etags and plan.etag in known_etags:
            results.append(WidgetData(widget.key, widget.type, None, plan, unchanged=True))
            continue
        cache_key = keys.get(widget.key)
        if cache_key is not None and cache_key in cached:
            data = cached[cache_key]["data"]
        else:
            try:
                data = _compute(dashboard, widget, now, variables, deadline)
            except Exception as exc:
                error = _error(dashboard, widget, deadline, exc)
                results.append(WidgetData(widget.key, widget.type, None, plan, error=error))
                continue
            if cache_key is not None:
                fresh[cache_key] = {"data": data}  # wrapped: None is a value, not a miss
        results.append(WidgetData(widget.key, widget.type, data, plan))
    if deadline.used and nested and connection.vendor == "postgresql":
        # Inside a caller's transaction the providers' SET LOCAL would outlive this read.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT", [])
    hits = sum(1 for key in keys.values() if key in cached)
    ops_metrics.widget_data_lookups(hits=hits, misses=len(keys) - hits)
    if fresh:
        cache.set_many(fresh, timeout=DATA_TIMEOUT)
        _held.remember(fresh)
    return results


def widget_payload(
    dashboard: Dashboard,
    widget: Widget,
    *,
    known_etags: frozenset[str] = frozenset(),
    variables: Variables = NO_VARIABLES,
    now: datetime | None = None,
) -> WidgetData:
    return dashboard_widget_payloads(
        dashboard, [widget], known_etags=known_etags, variables=variables, now=now
    )[0]


def widget_data(dashboard: Dashboard, widget: Widget) -> Any:
    return widget_payload(dashboard, widget).data


def dashboard_widget_data(dashboard: Dashboard, widgets: list[Widget]) -> dict[str, Any]:
    """Map each widget's key to its data (None for types without data or on error)."""
    return {item.key: item.data for item in dashboard_widget_payloads(dashboard, widgets)}


def _json_size(entry: dict[str, Any]) -> int | None:
    try:
        return len(orjson.dumps(entry, default=str))
    except TypeError:  # orjson's JSONEncodeError included
        return None


def held_data(budget: int) -> Held[dict[str, Any]]:
    """Entries already read or computed, by cache key, in this process: a key names
    everything its data depends on (the metric's version as the database confirmed it
    included), so a copy can never be stale, and a hot widget skips the cache's round
    trip. Bounded by the size of their JSON (a grouped series may hold 100 x 3,660
    points)."""
    return Held(budget, _json_size)


_held = held_data(budget=settings.WIDGET_DATA_HELD_BYTES)
