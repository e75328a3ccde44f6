"""Reads, always through the permission querysets: nothing here can return what the caller
may not see. Invisible and missing raise the same NotFound."""

import contextlib
import functools
import hmac
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import (
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.db.models.sql import Query
from django.utils import timezone

from dashboards import paging, permissions
from dashboards.exceptions import (
    DashboardNotFound,
    PermissionDenied,
    ProjectNotFound,
    ShareNotFound,
    UserNotFound,
    ValidationFailed,
    VersionNotFound,
)
from dashboards.limits import SHARE_VARIABLE_VALUE_MAX_LENGTH
from dashboards.models import (
    Dashboard,
    DashboardShare,
    DashboardVersion,
    MetricSeries,
    Project,
    ProjectMembership,
    UserDashboard,
    Widget,
)
from dashboards.rows import ModelRows
from dashboards.share_rules import token_hash
from dashboards.specs import DOCUMENT_FIELDS, export_document
from dashboards.widgets import registry


def parse_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


MAX_ID = 2**63 - 1  # a BIGINT: larger ids exist nowhere (and would overflow the driver)


def parse_user_id(value: Any) -> int | None:
    """A user id from a path or body, or None when it cannot name any user."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def project_list(*, user: Any) -> QuerySet[Project]:
    return permissions.visible_projects(user).select_related("owner").order_by("name", "id")


def project_get(*, user: Any, project_id: Any) -> Project:
    pk = parse_uuid(project_id)
    project = (
        permissions.visible_projects(user).select_related("owner").filter(pk=pk).first()
        if pk
        else None
    )
    if project is None:
        raise ProjectNotFound()
    return project


def project_list_with_role(*, user: Any) -> QuerySet[Project]:
    """Visible projects, each with the caller's role as `caller_role` (one query)."""
    return permissions.annotate_caller_role(project_list(user=user), user)


def project_members(*, project: Project) -> QuerySet[ProjectMembership]:
    return project.memberships.select_related("user").order_by("user_id")


def dashboard_list(*, user: Any) -> QuerySet[Dashboard]:
    """Visible dashboards (`widget_count` is a stored column: no join)."""
    return permissions.visible_dashboards(user)


def dashboard_sources(
    *, user: Any, project_ids: Sequence[Any] | None = None, scopes: Sequence[str] | None = None
) -> list[QuerySet[Dashboard]]:
    """The dashboards the user can see, one queryset per way of seeing them, for lists
    that merge them page by page (`dashboards.paging`): a list of 1,000 visible rows in a
    table of 1,000,000 then reads its own rows from each source's index. `project_ids`:
    the user's visible projects, when known (`listcounts.list_state`); `scopes`: only
    dashboards of these scopes."""
    return permissions.visible_dashboard_sources(user, project_ids, scopes)


def dashboard_page_sources(
    *,
    user: Any,
    query: str,
    project_ids: Sequence[Any] | None = None,
    scopes: Sequence[str] | None = None,
    narrow: Callable[[list[QuerySet[Dashboard]]], list[QuerySet[Dashboard]]] | None = None,
) -> paging.Sources:
    """`dashboard_sources` for `paging.fetch_page`, built only when the page's statement
    is not remembered yet. `query` names the list and everything `narrow` (or the page's
    condition) applies: the statement is remembered under it and what the caller sees."""

    def build() -> list[QuerySet[Dashboard]]:
        sources = dashboard_sources(user=user, project_ids=project_ids, scopes=scopes)
        return narrow(sources) if narrow is not None else sources

    key = (permissions.visible_dashboard_sources_key(user, project_ids, scopes), query)
    return paging.Sources(Dashboard, key=key, build=build)


def dashboard_count_parts(
    *, user: Any, project_ids: Sequence[Any] | None = None, scopes: Sequence[str] | None = None
) -> list[QuerySet[Dashboard]]:
    """The visible dashboards as parts that share no row: a total is the sum of counts."""
    return permissions.visible_dashboard_parts(user, project_ids, scopes)


def dashboard_list_by_scope(
    *, user: Any, scopes: list[str], project: Project | None = None
) -> QuerySet[Dashboard]:
    """Visible dashboards of the given scopes (of one project when given), oldest first."""
    queryset = permissions.visible_dashboards(user).filter(scope__in=scopes)
    if project is not None:
        queryset = queryset.filter(project=project)
    return queryset.order_by("created_at", "id")


def dashboard_list_for_home(*, user: Any) -> QuerySet[Dashboard]:
    """Visible dashboards for the user's own list: the default first, then the assigned ones
    in their order, then the rest by name; `is_default` annotated."""
    mine = UserDashboard.objects.filter(user=user, dashboard=OuterRef("pk"))
    return (
        dashboard_list(user=user)
        .select_related("project")
        .annotate(
            is_default=Coalesce(Subquery(mine.values("is_default")[:1]), Value(False)),
            assigned_position=Subquery(mine.values("position")[:1]),
        )
        .order_by(
            F("is_default").desc(),
            F("assigned_position").asc(nulls_last=True),
            Lower("name"),
            "id",
        )
    )


_DASHBOARD_ROWS = ModelRows(Dashboard, "d")
_PROJECT_ROWS = ModelRows(Project, "p")
_WIDGET_ROWS = ModelRows(Widget, "w")
# dashboard_get's UNION: the dashboard's row (part 0) first, then its widgets by position
# and id; named by number, as a UNION is ordered by its output columns.
_BEFORE_WIDGET = len(_DASHBOARD_ROWS.fields) + len(_PROJECT_ROWS.fields)
# Each widget's metric series (its data version), joined to the widget's row.
_SERIES_ROWS = ModelRows(MetricSeries, "s")
_BEFORE_SERIES = _BEFORE_WIDGET + len(_WIDGET_ROWS.fields)
_SERIES_ID = _BEFORE_SERIES + _SERIES_ROWS.names.index("id")


# Keyed by whether the statement reads each widget's series (columns before the part's).
_UNION_ORDERS = {
    series: ", ".join(
        str(number)
        for number in (
            _BEFORE_SERIES + (len(_SERIES_ROWS.fields) if series else 0) + 1,
            _BEFORE_WIDGET + _WIDGET_ROWS.names.index("position") + 1,
            _BEFORE_WIDGET + _WIDGET_ROWS.names.index("id") + 1,
        )
    )
    for series in (False, True)
}


@functools.lru_cache(maxsize=64)
def _dashboard_statement(
    vendor: str, where: tuple[str, ...], with_widgets: bool, metric_sql: str | None
) -> str:
    """dashboard_get's statement for one shape of request (built once: the text took ~2% of
    a detail read). `metric_sql`: the widgets' series are joined by it (None: not read)."""
    series = metric_sql is not None
    statement = (
        f"SELECT {_DASHBOARD_ROWS.columns}, {_PROJECT_ROWS.columns}"  # noqa: S608
        f"{f', {_WIDGET_ROWS.nulls}' if with_widgets else ''}"
        f"{f', {_SERIES_ROWS.nulls}' if series else ''}{', 0' if with_widgets else ''} "
        f"FROM {_DASHBOARD_ROWS.table} JOIN {_PROJECT_ROWS.table} ON p.id = d.project_id "
        f"WHERE {' AND '.join(where)}"
    )
    if with_widgets:
        # The widgets in the same round trip, as rows of their own after the dashboard's
        # (a join would repeat the dashboard's definition on every widget row), each with
        # its metric's series when asked: the data version its cached data is keyed by.
        joins = (
            f"JOIN {_DASHBOARD_ROWS.table} ON d.id = w.dashboard_id "
            f"LEFT JOIN {_SERIES_ROWS.table} ON s.project_id = d.project_id "
            f"AND s.metric = {metric_sql} "
        )
        statement += (
            f" UNION ALL SELECT {_DASHBOARD_ROWS.nulls}, {_PROJECT_ROWS.nulls}, "  # noqa: S608
            f"{_WIDGET_ROWS.columns}{f', {_SERIES_ROWS.columns}' if series else ''}, 1 "
            f"FROM {_WIDGET_ROWS.table} {joins if series else ''}"
            f"WHERE w.dashboard_id = %s ORDER BY {_UNION_ORDERS[series]}"
        )
    return statement


def dashboard_get(
    *,
    user: Any,
    dashboard_id: Any,
    project_id: Any = None,
    scopes: list[str] | None = None,
    with_widgets: bool = True,
    with_series: bool = False,
) -> Dashboard:
    """One visible dashboard (its project loaded), with its widgets in order when asked.

    Fetched by primary key and then checked with `permissions.can_view_dashboard`: for its
    owner that needs no query, so the hot path is one statement (the dashboard with its
    project, then its widgets in order) instead of the visibility subqueries a list needs.
    The statement is written out (`dashboards.rows`): compiling it through the ORM was 90%
    of this function's time. `with_series`: each widget also comes with its metric's series
    (`widget.joined_series`), which `dashboards.widgets.data` then needs no query for; worth
    it where the widgets are known to have data (a widget's own data read), not otherwise
    (the join cost a dashboard of text widgets ~25 µs of PostgreSQL time and 10% of its
    throughput).
    """
    pk = parse_uuid(dashboard_id)
    if pk is None:
        raise DashboardNotFound()
    db = connections[DEFAULT_DB_ALIAS]
    where = ["d.id = %s"]
    params = [_DASHBOARD_ROWS.db_value("id", pk, db)]
    if project_id is not None:
        project_pk = parse_uuid(project_id)
        if project_pk is None:
            raise DashboardNotFound()
        where.append("d.project_id = %s")
        params.append(_PROJECT_ROWS.db_value("id", project_pk, db))
    if scopes is not None:
        where.append(f"d.scope IN ({', '.join(['%s'] * len(scopes))})")
        params += list(scopes)
    series = with_widgets and with_series
    statement = _dashboard_statement(
        db.vendor,
        tuple(where),
        with_widgets,
        registry.metric_sql("w", db.vendor) if series else None,
    )
    if with_widgets:
        params.append(params[0])
    with db.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if not rows or (with_widgets and rows[0][-1] != 0):
        raise DashboardNotFound()
    split = len(_DASHBOARD_ROWS.fields)
    dashboard = _DASHBOARD_ROWS.instance(rows[0][:split], db)
    # What select_related("project") leaves behind.
    Dashboard._meta.get_field("project").set_cached_value(
        dashboard, _PROJECT_ROWS.instance(rows[0][split:_BEFORE_WIDGET], db)
    )
    if not permissions.can_view_dashboard(user, dashboard):
        raise DashboardNotFound()
    if with_widgets:
        widgets = []
        for row in rows[1:]:
            widget = _WIDGET_ROWS.instance(row[_BEFORE_WIDGET:_BEFORE_SERIES], db)
            if series:
                # Read by `dashboards.widgets.data` instead of a query of its own (NULLs: no
                # metric, or none of its points yet).
                widget.joined_series = (
                    None
                    if row[_SERIES_ID] is None
                    else _SERIES_ROWS.instance(row[_BEFORE_SERIES:-1], db)
                )
            widgets.append(widget)
        _attach_widgets(dashboard, widgets)
    return dashboard


def _load_widgets(dashboard: Dashboard) -> None:
    """The widgets of a dashboard already loaded, in order (one query)."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {_WIDGET_ROWS.columns} FROM {_WIDGET_ROWS.table} "  # noqa: S608
            "WHERE w.dashboard_id = %s ORDER BY w.position, w.id",
            [_DASHBOARD_ROWS.db_value("id", dashboard.pk, db)],
        )
        rows = cursor.fetchall()
    _attach_widgets(dashboard, [_WIDGET_ROWS.instance(row, db) for row in rows])


@functools.cache
def _no_widgets_query() -> Query:
    return Widget.objects.none().query


def _attach_widgets(dashboard: Dashboard, widgets: list[Widget]) -> None:
    """Leave the widgets as prefetch_related("widgets") would."""
    to_dashboard = Widget._meta.get_field("dashboard")
    for widget in widgets:
        to_dashboard.set_cached_value(widget, dashboard)
    # `dashboard.widgets.all()` answers this list; anything chained on it is empty, never
    # another dashboard's widgets. The empty query is shared: a queryset clones its query
    # before it changes it, and building one was a fortieth of a detail read.
    prefetched = QuerySet(model=Widget, query=_no_widgets_query())
    prefetched._result_cache = widgets
    prefetched._prefetch_done = True
    dashboard._prefetched_objects_cache = {"widgets": prefetched}


def _own_list_user(actor: Any, user_id: Any) -> int:
    """The id of a user whose assignments the actor manages (themselves, or staff)."""
    user_pk = parse_user_id(user_id)
    if not permissions.can_manage_assignments_of(actor, user_pk):
        raise PermissionDenied("Only staff may see or change another user's dashboards.")
    if user_pk is None or not get_user_model().objects.filter(pk=user_pk, is_active=True).exists():
        raise UserNotFound()
    return user_pk


def user_assignments(*, actor: Any, user_id: Any) -> QuerySet[UserDashboard]:
    """A user's assigned dashboards in their order, default included: the user's own list,
    or anyone's for staff."""
    user_pk = _own_list_user(actor, user_id)
    return (
        UserDashboard.objects.filter(user_id=user_pk)
        .select_related("dashboard")
        .order_by("position", "id")
    )


def assigned_dashboard(*, actor: Any, user_id: Any, dashboard_id: Any) -> Dashboard:
    """The dashboard of an existing assignment in a list the actor manages; not assigned
    (or no such id) is NotFound."""
    user_pk = _own_list_user(actor, user_id)
    pk = parse_uuid(dashboard_id)
    assignment = (
        UserDashboard.objects.filter(user_id=user_pk, dashboard_id=pk)
        .select_related("dashboard__project")
        .first()
        if pk
        else None
    )
    if assignment is None:
        raise DashboardNotFound("This dashboard is not assigned to this user.")
    return assignment.dashboard


# --- History ------------------------------------------------------------------------------

VERSION_LIST_FIELDS = ("number", "created_at", "author_id", "message", "restored_from")


def version_list(*, dashboard: Dashboard) -> QuerySet[DashboardVersion]:
    """The versions of a dashboard the caller was allowed to see (`dashboard_get`), newest
    first: one range scan of the (dashboard, number) index. Lists take
    `.values(*VERSION_LIST_FIELDS)`, so the documents stay in the database."""
    return DashboardVersion.objects.filter(dashboard=dashboard).order_by("-number")


MAX_VERSION_NUMBER = 2**31 - 1  # the column is a PositiveIntegerField


def parse_version_number(value: Any) -> int | None:
    """A version number from a path or query, or None when it cannot name one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            return None
        value = text
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_VERSION_NUMBER else None


def version_get(*, dashboard: Dashboard, number: Any) -> DashboardVersion:
    """One version (with its document) of a dashboard the caller was allowed to see
    (`dashboard_get`); a number that names none is VersionNotFound."""
    parsed = parse_version_number(number)
    version = (
        DashboardVersion.objects.filter(dashboard=dashboard, number=parsed).first()
        if parsed is not None
        else None
    )
    if version is None:
        raise VersionNotFound()
    return version


# --- Export -------------------------------------------------------------------------------

EXPORT_BATCH = 500
_EXPORT_DASHBOARD_FIELDS = ("id", *(f for f in DOCUMENT_FIELDS.values() if f != "widgets"))


class _Row:
    """A `.values()` row read as attributes, for `export_document`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.pk = values.get("id")


@contextlib.contextmanager
def _one_snapshot() -> Iterator[None]:
    """Both export queries see one state of the database: on PostgreSQL a read-only
    REPEATABLE READ transaction (its cursors then stream without WITH HOLD); SQLite's
    statements open together on one connection share one read transaction already."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def project_export_documents(*, user: Any, project: Project) -> Iterator[dict[str, Any]]:
    """Export documents of every dashboard of `project` that `user` may see, by id.

    Two queries whatever the size, both read in batches (server-side cursors on
    PostgreSQL): the dashboards, and their widgets in the same order, merged as they
    arrive; memory holds one batch, never the whole project.
    """
    dashboards = permissions.visible_dashboards(user).filter(project=project).order_by("id")
    widgets = (
        Widget.objects.filter(dashboard__in=dashboards.values("id"))
        .order_by("dashboard_id", "position", "id")
        .values("dashboard_id", "key", "type", "title", "size", "config")
    )
    with _one_snapshot():
        dashboard_rows = dashboards.values(*_EXPORT_DASHBOARD_FIELDS).iterator(EXPORT_BATCH)
        widget_rows = widgets.iterator(EXPORT_BATCH)
        pending = next(widget_rows, None)
        for row in dashboard_rows:
            own = []
            # Both streams are ordered by dashboard id; a widget of a dashboard that is
            # not in the first stream cannot occur within one snapshot, but is skipped.
            while pending is not None and pending["dashboard_id"] <= row["id"]:
                if pending["dashboard_id"] == row["id"]:
                    own.append(_Row(pending))
                pending = next(widget_rows, None)
            yield export_document(_Row(row), own)


# --- Share links (docs/sharing.md) --------------------------------------------------------

VARIABLE_PARAMETER_PREFIX = "var-"


def _may_manage_shares(user: Any, dashboard: Dashboard) -> None:
    # The dashboard is visible (dashboard_get); seeing its links needs change rights.
    if not permissions.can_change_dashboard(user, dashboard):
        raise PermissionDenied("You may view this dashboard but not its share links.")


def share_list(*, user: Any, dashboard: Dashboard) -> QuerySet[DashboardShare]:
    """The dashboard's links that are not revoked, newest first (expired ones included,
    marked by `expires_at`): at most MAX_ACTIVE_SHARES rows, one index range."""
    _may_manage_shares(user, dashboard)
    return DashboardShare.objects.filter(dashboard=dashboard, revoked_at__isnull=True).order_by(
        "-created_at", "id"
    )


def share_get(*, user: Any, dashboard: Dashboard, share_id: Any) -> DashboardShare:
    """One link of this dashboard that is not revoked; another dashboard's link, a revoked
    one or a malformed id is ShareNotFound."""
    _may_manage_shares(user, dashboard)
    pk = parse_uuid(share_id)
    share = (
        DashboardShare.objects.filter(pk=pk, dashboard=dashboard, revoked_at__isnull=True).first()
        if pk
        else None
    )
    if share is None:
        raise ShareNotFound()
    share.dashboard = dashboard
    return share


def share_resolve(*, token: str, now: datetime | None = None) -> DashboardShare:
    """The live link a token opens, its dashboard and widgets loaded (two queries).

    Unknown, revoked and expired tokens are one ShareNotFound after the same single
    lookup by hash, so neither the answer nor its time tells them apart.
    """
    digest = token_hash(token)
    share = DashboardShare.objects.select_related("dashboard").filter(token_hash=digest).first()
    now = now or timezone.now()
    live = (
        share is not None
        # The index found it by equality; the constant-time check keeps the comparison
        # of secrets in Python free of early exits as well.
        and hmac.compare_digest(share.token_hash, digest)
        and share.revoked_at is None
        and (share.expires_at is None or share.expires_at > now)
    )
    if not live:
        raise ShareNotFound()
    _load_widgets(share.dashboard)
    return share


def share_variable_overrides(
    *, share: DashboardShare, params: Iterable[tuple[str, list[str]]]
) -> dict[str, str]:
    """The variable values of one read through a link: its locked values, plus the
    viewer's `var-NAME=value` query parameters for names the link opens (`allow_variables`).

    A locked name, a name the link does not open, or one given twice is VALIDATION_ERROR
    naming the parameter. Widget data takes the returned mapping as the request's
    variable values, as an authenticated read takes its own `var-` parameters.
    """
    overrides = dict(share.variables)
    allowed = set(share.allow_variables)
    for key, values in params:
        if not key.startswith(VARIABLE_PARAMETER_PREFIX):
            continue
        name = key[len(VARIABLE_PARAMETER_PREFIX) :]
        if name in share.variables:
            message = "This link locks this variable; it cannot be changed."
        elif name not in allowed:
            message = "This link does not let viewers set this variable."
        elif len(values) > 1:
            message = "Give this variable once."
        elif len(values[0]) > SHARE_VARIABLE_VALUE_MAX_LENGTH or "\x00" in values[0]:
            message = f"At most {SHARE_VARIABLE_VALUE_MAX_LENGTH} characters, no null characters."
        else:
            overrides[name] = values[0]
            continue
        raise ValidationFailed(f"{key}: {message}", details={key: [message]})
    return overrides
