"""Dashboards for benchmarks, written by SQL generation (minutes for a million, not hours
through the API), and left exactly as the services would leave them.

`generate_dashboards(count=N)` builds (replacing what an earlier run built):

- `bench` owns N dashboards in its project "Bench": every 5th name contains "sales", every
  2nd dashboard has 5 text widgets (the floor's shape, ../shared/floor/seed.sql), every
  10th is shared with the project; one a second back from now, so orders are realistic;
- `bench-other` sees exactly `other` dashboards (default 1,000) in the same table, through
  all three ways of seeing one: 90% of its own in its project "Other", 5% shared with
  "Other" by `bench-peer` (a member there), 5% of bench's assigned to it;
- every dashboard's stored `widget_count`, its first version, and the list versions of
  everyone concerned (dashboards/listcounts.py), as `services.dashboard_save` and the signals would.

Ids are derived from the dashboard's number (`md5('bench:' || n)` as a UUID), so runs
are reproducible. Each step of `DASHBOARD_STEPS` is one pass over a chunk of generated
dashboards, `step(bench, low, high, block)` with the numbers [low, high) of one block
(ids: `bench_uuid(n)`), inside the chunk's transaction; the last step writes each
dashboard's first version in the history, as the writer would have.
"""

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from dashboards import listcounts
from dashboards.models import Dashboard, Project, ProjectMembership, Role, Scope, UserDashboard

WORDS = ("regional sales", "marketing funnel", "ops latency", "finance ledger", "hr headcount")
WIDGETS_PER_DASHBOARD = 5
CHUNK = 200_000


@dataclass
class BenchDashboards:
    """What a run built: users, projects and how to find the generated rows."""

    count: int
    other: int
    user_id: int = 0
    other_user_id: int = 0
    peer_user_id: int = 0
    project_id: uuid.UUID | None = None
    other_project_id: uuid.UUID | None = None
    # Ranges of dashboard numbers: [0, count) bench's, then bench-other's and bench-peer's.
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """SQL condition selecting every generated dashboard (alias-free)."""
        return "project_id IN (%s, %s)"

    @property
    def params(self) -> list[Any]:
        return [_db_uuid(self.project_id), _db_uuid(self.other_project_id)]

    def dashboard_id(self, number: int) -> uuid.UUID:
        return bench_uuid(number)

    def summary(self) -> dict[str, Any]:
        return {
            "dashboards": self.count,
            "user": self.user_id,
            "otherUser": self.other_user_id,
            "otherVisible": self.other,
            "project": str(self.project_id),
            "otherProject": str(self.other_project_id),
            # The oldest of bench's: first in the default order.
            "firstDashboard": str(bench_uuid(0)) if self.count else None,
        }


def bench_uuid(number: int) -> uuid.UUID:
    """The id of generated dashboard `number` (the same SQL computes it)."""
    return uuid.UUID(hashlib.md5(f"bench:{number}".encode()).hexdigest())  # noqa: S324


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _db_uuid(value: Any) -> Any:
    # SQLite keeps UUIDs as 32 hex digits, PostgreSQL as uuid.
    return value if _postgres() else uuid.UUID(str(value)).hex


def _series(low: int, high: int) -> tuple[str, list[Any]]:
    """A relation `n(i)` of the integers low..high-1."""
    if _postgres():
        return "generate_series(%s::bigint, %s::bigint - 1) AS n(i)", [low, high]
    return (
        "(WITH RECURSIVE s(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM s WHERE i + 1 < %s) "
        "SELECT i FROM s) AS n",
        [low, high],
    )


def _id_sql(number: str) -> str:
    if _postgres():
        return f"md5('bench:' || ({number}))::uuid"
    return f"bench_md5('bench:' || ({number}))"


def _time_sql(seconds_ago: str) -> str:
    if _postgres():
        return f"now() - ({seconds_ago}) * interval '1 second'"
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', 'now', '-' || ({seconds_ago}) || ' seconds')"


def _register_sqlite_functions() -> None:
    if _postgres():
        return
    connection.ensure_connection()
    connection.connection.create_function(
        "bench_md5",
        1,
        lambda text: hashlib.md5(text.encode()).hexdigest(),  # noqa: S324
        deterministic=True,
    )


# --- Steps -------------------------------------------------------------------------------


def _insert_dashboards(bench: BenchDashboards, low: int, high: int, block: str) -> None:
    """Dashboards number low..high-1 of one block (bench / other / peer)."""
    owner, project = {
        "bench": (bench.user_id, bench.project_id),
        "other": (bench.other_user_id, bench.other_project_id),
        "peer": (bench.peer_user_id, bench.other_project_id),
    }[block]
    if block == "bench":
        scope = f"CASE WHEN i %% 10 = 9 THEN '{Scope.PROJECT}' ELSE '{Scope.USER}' END"
    else:
        scope = f"'{Scope.PROJECT if block == 'peer' else Scope.USER}'"
    words = " ".join(f"WHEN {n} THEN '{word}'" for n, word in enumerate(WORDS))
    number = "lpad(i::text, 7, '0')" if _postgres() else "printf('%%07d', i)"
    widgets = f"CASE WHEN i %% 2 = 0 THEN {WIDGETS_PER_DASHBOARD} ELSE 0 END"
    series, series_params = _series(low, high)
    total = bench.ranges["peer"][1]
    sql = f"""
        INSERT INTO dashboards_dashboard (id, project_id, owner_id, scope, name, description,
            type, refresh_interval, definition, version, widget_count, created_at, updated_at)
        SELECT {_id_sql("i")}, %s, %s, {scope},
               CASE (i + 1) %% 5 {words} END || ' dashboard ' || {number},
               'bench dashboard', 'custom', 60, '{{}}', 1, {widgets},
               {_time_sql(f"{total} - i")}, {_time_sql(f"{total} - i")}
        FROM {series}
    """  # noqa: S608 - constants only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_uuid(project), owner, *series_params])


def _insert_widgets(bench: BenchDashboards, low: int, high: int, block: str) -> None:
    config = json.dumps({"markdown": "## Widget\n\nSome *markdown* text."})
    series, series_params = _series(low, high)
    keys, keys_params = (
        ("generate_series(0, %s) AS k(k)", [WIDGETS_PER_DASHBOARD - 1])
        if _postgres()
        else (
            "(WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k < %s) "
            "SELECT k FROM r) AS kk",
            [WIDGETS_PER_DASHBOARD - 1],
        )
    )
    cast = "::jsonb" if _postgres() else ""
    sql = f"""
        INSERT INTO dashboards_widget (dashboard_id, key, type, title, size, position, config)
        SELECT {_id_sql("i")}, 'widget_' || (k + 1), 'text', 'Widget ' || (k + 1), 'medium', k,
               %s{cast}
        FROM {series} CROSS JOIN {keys}
        WHERE i %% 2 = 0
    """  # noqa: S608 - constants only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [config, *series_params, *keys_params])


def _assign_to_other(bench: BenchDashboards, low: int, high: int, block: str) -> None:
    """The first `assigned` of bench's dashboards are assigned to bench-other."""
    if block != "bench":
        return
    assigned = bench.other - _own_count(bench.other) - _peer_count(bench.other)
    high = min(high, assigned)
    if high <= low:
        return
    series, series_params = _series(low, high)
    sql = f"""
        INSERT INTO dashboards_userdashboard (user_id, dashboard_id, is_default, position,
                                              created_at)
        SELECT %s, {_id_sql("i")}, {"false" if _postgres() else "0"}, i, {_time_sql("0")}
        FROM {series}
    """  # noqa: S608 - constants only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [bench.other_user_id, *series_params])


def _insert_versions(bench: BenchDashboards, low: int, high: int, block: str) -> None:
    """Each dashboard's first version: number 1 at its `updated_at`, no author, its export
    document (`specs.export_document`'s shape, built in SQL from the rows just written)."""
    series, series_params = _series(low, high)
    if _postgres():
        widgets = """COALESCE((SELECT jsonb_agg(jsonb_build_object('id', w.key, 'type', w.type,
                       'title', w.title, 'size', w.size, 'config', w.config)
                       ORDER BY w.position, w.id)
                   FROM dashboards_widget w WHERE w.dashboard_id = d.id), '[]'::jsonb)"""
        document = f"""jsonb_build_object('uid', d.id::text, 'name', d.name,
            'description', d.description, 'type', d.type, 'scope', d.scope,
            'refreshInterval', d.refresh_interval, 'definition', d.definition,
            'widgets', {widgets})"""
    else:
        widgets = """(SELECT json_group_array(json_object('id', key, 'type', type,
                       'title', title, 'size', size, 'config', json(config)))
                   FROM (SELECT * FROM dashboards_widget w WHERE w.dashboard_id = d.id
                         ORDER BY w.position, w.id))"""
        uid = (
            "lower(substr(d.id, 1, 8) || '-' || substr(d.id, 9, 4) || '-' || "
            "substr(d.id, 13, 4) || '-' || substr(d.id, 17, 4) || '-' || substr(d.id, 21))"
        )
        document = f"""json_object('uid', {uid}, 'name', d.name,
            'description', d.description, 'type', d.type, 'scope', d.scope,
            'refreshInterval', d.refresh_interval, 'definition', json(d.definition),
            'widgets', json({widgets}))"""
    sql = f"""
        INSERT INTO dashboards_dashboardversion (dashboard_id, number, author_id, created_at,
                                                 message, restored_from, document)
        SELECT d.id, d.version, NULL, d.updated_at, '', NULL, {document}
        FROM {series} JOIN dashboards_dashboard d ON d.id = {_id_sql("n.i")}
    """  # noqa: S608 - constants only; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, series_params)


StepFunction = Callable[[BenchDashboards, int, int, str], None]
# One SQL pass each over a chunk of generated dashboard numbers [low, high) of a block.
DASHBOARD_STEPS: list[StepFunction] = [
    _insert_dashboards,
    _insert_widgets,
    _assign_to_other,
    _insert_versions,
]


# --- The run -----------------------------------------------------------------------------


def _own_count(other: int) -> int:
    return other * 9 // 10


def _peer_count(other: int) -> int:
    return (other - _own_count(other)) // 2


def _delete_previous(project_ids: list[Any]) -> None:
    """Remove generated dashboards and every row that cascades from them, by SQL (the ORM
    would load a million objects to send their signals)."""
    if not project_ids:
        return
    marks = ", ".join(["%s"] * len(project_ids))
    ids = f"SELECT id FROM dashboards_dashboard WHERE project_id IN ({marks})"  # noqa: S608
    params = [_db_uuid(pk) for pk in project_ids]
    with connection.cursor() as cursor:
        for relation in Dashboard._meta.related_objects:
            table = relation.related_model._meta.db_table
            column = relation.field.column
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN ({ids})",  # noqa: S608
                params,
            )
        cursor.execute(f"DELETE FROM dashboards_dashboard WHERE project_id IN ({marks})", params)  # noqa: S608


def _user(username: str, password: str | None) -> Any:
    user, created = get_user_model().objects.get_or_create(username=username)
    if password and (created or not user.check_password(password)):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _project(owner: Any, name: str) -> Project:
    project = Project.objects.filter(owner=owner, name=name, is_personal=False).first()
    return project or Project.objects.create(owner=owner, name=name)


def generate_dashboards(
    *,
    count: int,
    other: int = 1000,
    password: str | None = None,
    out: TextIO | None = None,
) -> BenchDashboards:
    """Build the data set described in the module docstring; progress lines go to `out`."""
    if count < 0 or other < 0:
        raise ValueError("Counts cannot be negative.")
    started = time.monotonic()

    def progress(message: str) -> None:
        if out is not None:
            out.write(f"[{time.monotonic() - started:7.1f}s] {message}\n")
            out.flush()

    bench = BenchDashboards(count=count, other=other)
    user = _user("bench", password)
    other_user = _user("bench-other", password)
    peer = _user("bench-peer", password)
    project = _project(user, "Bench")
    other_project = _project(other_user, "Other")
    bench.user_id, bench.other_user_id, bench.peer_user_id = user.pk, other_user.pk, peer.pk
    bench.project_id, bench.other_project_id = project.pk, other_project.pk
    own, shared = _own_count(other), _peer_count(other)
    bench.ranges = {
        "bench": (0, count),
        "other": (count, count + own),
        "peer": (count + own, count + own + shared),
    }
    if other - own - shared > count:
        raise ValueError(f"bench-other needs {other - own - shared} of bench's dashboards.")
    _register_sqlite_functions()
    with transaction.atomic():
        _delete_previous([project.pk, other_project.pk])
        UserDashboard.objects.filter(user=other_user).delete()
        ProjectMembership.objects.update_or_create(
            project=other_project, user=peer, defaults={"role": Role.EDITOR}
        )
        ProjectMembership.objects.update_or_create(
            project=project, user=peer, defaults={"role": Role.VIEWER}
        )
    progress(f"users {user.pk}/{other_user.pk}/{peer.pk}; previous bench dashboards removed")
    for block, (low, high) in bench.ranges.items():
        for start in range(low, high, CHUNK):
            end = min(start + CHUNK, high)
            with transaction.atomic():
                for step in DASHBOARD_STEPS:
                    step(bench, start, end, block)
            progress(f"{block}: dashboards {end - low:,}/{high - low:,}")
    with transaction.atomic():
        # What the signals do for ORM writes: every affected list version moves.
        listcounts.touch_users([user.pk, other_user.pk, peer.pk])
        listcounts.touch_projects([project.pk, other_project.pk])
    if _postgres():
        with connection.cursor() as cursor:
            for table in (
                "dashboards_dashboard",
                "dashboards_widget",
                "dashboards_userdashboard",
                "dashboards_dashboardversion",
            ):
                cursor.execute(f"ANALYZE {table}")
    progress("list versions moved, tables analysed")
    return bench
