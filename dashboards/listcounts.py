"""Exact list totals that stay cheap at a million dashboards (docs/list-counts.md).

A list's `count` is every visible row that matches the filter, not the page. Counting a
million rows takes hundreds of milliseconds, so the total is cached per (user, query) under
a key that holds the user's *list version*:

    (the user's own counter, the sum of the counters of the projects the user can see)

Every write that can change what a user's lists hold grows one of these counters in the
same transaction as the write: the dashboard's owner, its assignees and, for a dashboard
shared with its project, the project's counter (which every member reads through the
sum). A count cached before a write is then never read after it, and nothing has to be
deleted from the cache: a cache that was unreachable during the write (a fail-soft cache
answers misses and drops writes) cannot keep a stale total, because the key moved in the
database. The reader takes the version *before* counting, so a count that races with a
write is stored under the version the write has already left behind.

The counters are grown by signal receivers (connected in `DashboardsConfig.ready`), so that
every path is covered: both API families through the services, the admin (including its
inlines and bulk deletes), and cascades (a deleted project or user takes dashboards,
memberships and assignments with it). Writers that bypass the ORM (`dashboards.benchdata`)
call `touch_users` / `touch_projects` themselves.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save

from dashboards.models import (
    Dashboard,
    DashboardListVersion,
    Project,
    ProjectMembership,
    Scope,
    UserDashboard,
)

KEY = "dashboard-list-count:1:{user}:{own}:{shared}:{query}"
# Keys never go stale (the versions move instead); the timeout only returns the memory.
TIMEOUT = 24 * 3600


# --- Writers ----------------------------------------------------------------------------


def touch_users(user_ids: Iterable[Any]) -> None:
    """Grow the list version of these users (one statement; rows created as needed)."""
    ids = sorted({int(pk) for pk in user_ids if pk is not None})
    if not ids:
        return
    table = connection.ops.quote_name(DashboardListVersion._meta.db_table)
    rows = ", ".join(["(%s, 1)"] * len(ids))
    # Sorted ids: concurrent writers lock the rows in the same order (no deadlock). An
    # upsert, not "insert if missing": two first writes for a user must both count.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, version) VALUES {rows} "  # noqa: S608 - no input
            f"ON CONFLICT (user_id) DO UPDATE SET version = {table}.version + 1",
            ids,
        )


def touch_projects(project_ids: Iterable[Any]) -> None:
    """Grow the list version of these projects (seen by all their members)."""
    for pk in sorted({str(pk) for pk in project_ids if pk is not None}):
        Project.objects.filter(pk=pk).update(list_version=F("list_version") + 1)


def _shared_project(project_id: Any, scope: str) -> list[Any]:
    return [project_id] if scope == Scope.PROJECT else []


# --- Readers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListState:
    """What a list needs to know about its user before reading: the list version (the
    key of cached totals) and the projects the user can see (literal ids plan better)."""

    own: int
    shared: int
    project_ids: tuple[Any, ...]


def list_state(user: Any) -> ListState | None:
    """The user's list version and visible projects, in one query; None when totals are
    not cached: superusers see every dashboard, so any write anywhere changes their
    totals, and a counter that every writer grows would serialise all writes on one row."""
    if not user.is_authenticated or getattr(user, "is_superuser", False):
        return None
    versions = connection.ops.quote_name(DashboardListVersion._meta.db_table)
    projects = connection.ops.quote_name(Project._meta.db_table)
    members = connection.ops.quote_name(ProjectMembership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT NULL, version FROM {versions} WHERE user_id = %s "  # noqa: S608
            f"UNION ALL SELECT id, list_version FROM {projects} WHERE owner_id = %s "
            f"OR id IN (SELECT project_id FROM {members} WHERE user_id = %s)",
            [user.pk, user.pk, user.pk],
        )
        rows = cursor.fetchall()
    own = next((int(version) for pk, version in rows if pk is None), 0)
    shared = [(pk, int(version)) for pk, version in rows if pk is not None]
    return ListState(
        own=own,
        shared=sum(version for _, version in shared),
        # SQLite hands UUIDs back as hex text.
        project_ids=tuple(pk if isinstance(pk, uuid.UUID) else uuid.UUID(pk) for pk, _ in shared),
    )


_UNSET: Any = object()


def cached_count(
    user: Any, query: str, count: Callable[[], int], state: ListState | None = _UNSET
) -> int:
    """The total of a list, from the cache when this user's lists have not changed since
    it was counted; `query` names the list and its filter (any string, hashed). `state`:
    the user's `list_state`, when the caller read it already (before reading the rows)."""
    if state is _UNSET:
        state = list_state(user)
    if state is None:
        return count()
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    key = KEY.format(user=user.pk, own=state.own, shared=state.shared, query=digest)
    total = cache.get(key)
    if total is None:
        total = count()
        cache.set(key, total, getattr(settings, "LIST_COUNT_CACHE_SECONDS", TIMEOUT))
    return total


# --- Signal receivers: every ORM write path ---------------------------------------------


def _remember_previous(sender: Any, instance: Any, fields: tuple[str, ...]) -> None:
    """Keep the stored values of `fields` on the instance, for post_save to compare."""
    if instance._state.adding or instance.pk is None:
        instance._list_previous = None
        return
    instance._list_previous = sender.objects.filter(pk=instance.pk).values(*fields).first()


def _dashboard_pre_save(sender: Any, instance: Dashboard, **kwargs: Any) -> None:
    _remember_previous(sender, instance, ("owner_id", "project_id", "scope"))


def _dashboard_saved(sender: Any, instance: Dashboard, created: bool, **kwargs: Any) -> None:
    users = [instance.owner_id]
    projects = _shared_project(instance.project_id, instance.scope)
    previous = getattr(instance, "_list_previous", None)
    if previous:
        users.append(previous["owner_id"])
        projects += _shared_project(previous["project_id"], previous["scope"])
    if not created:
        users += UserDashboard.objects.filter(dashboard_id=instance.pk).values_list(
            "user_id", flat=True
        )
    touch_users(users)
    touch_projects(projects)


def _dashboard_deleted(sender: Any, instance: Dashboard, **kwargs: Any) -> None:
    # Assignees: their rows are deleted first by the cascade, each with its own signal.
    touch_users([instance.owner_id])
    touch_projects(_shared_project(instance.project_id, instance.scope))


def _user_link_pre_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any):
    _remember_previous(sender, instance, ("user_id",))


def _user_link_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any):
    # A membership's role, an assignment's default or position: same rows visible.
    if update_fields is not None and not {"user", "user_id", "project", "dashboard"} & set(
        update_fields
    ):
        return
    previous = getattr(instance, "_list_previous", None)
    touch_users([instance.user_id, previous["user_id"] if previous else None])


def _user_link_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    touch_users([instance.user_id])


def _project_pre_save(sender: Any, instance: Project, **kwargs: Any) -> None:
    _remember_previous(sender, instance, ("owner_id",))


def _project_saved(sender: Any, instance: Project, created: bool, **kwargs: Any) -> None:
    # A new project holds no dashboards (its counter adds 0 to the sum); a new owner
    # (the admin) sees its shared dashboards and the old one stops seeing them.
    previous = getattr(instance, "_list_previous", None)
    if previous and previous["owner_id"] != instance.owner_id:
        touch_users([instance.owner_id, previous["owner_id"]])


def _project_deleted(sender: Any, instance: Project, **kwargs: Any) -> None:
    # Members lose it through their memberships' cascade; the owner here.
    touch_users([instance.owner_id])


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # SQLite may hand the id out again: the new account must not meet the old counts.
    touch_users([instance.pk])


def connect() -> None:
    """Connect the receivers (DashboardsConfig.ready)."""
    from django.contrib.auth import get_user_model

    uid = "dashboards.listcounts."
    pre_save.connect(_dashboard_pre_save, Dashboard, dispatch_uid=uid + "d.pre")
    post_save.connect(_dashboard_saved, Dashboard, dispatch_uid=uid + "d.save")
    post_delete.connect(_dashboard_deleted, Dashboard, dispatch_uid=uid + "d.del")
    for model in (ProjectMembership, UserDashboard):
        name = model.__name__
        pre_save.connect(_user_link_pre_save, model, dispatch_uid=f"{uid}{name}.pre")
        post_save.connect(_user_link_saved, model, dispatch_uid=f"{uid}{name}.save")
        post_delete.connect(_user_link_deleted, model, dispatch_uid=f"{uid}{name}.del")
    pre_save.connect(_project_pre_save, Project, dispatch_uid=uid + "p.pre")
    post_save.connect(_project_saved, Project, dispatch_uid=uid + "p.save")
    post_delete.connect(_project_deleted, Project, dispatch_uid=uid + "p.del")
    post_delete.connect(_user_deleted, get_user_model(), dispatch_uid=uid + "u.del")
