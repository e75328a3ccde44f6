"""Who may see and change what: the only place these rules are written (SPEC, "Who may do
what"). Querysets for lists, predicates for single objects; services, selectors, both API
families, the admin and the pages all call these.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When

from dashboards.models import (
    ROLE_RANK,
    Dashboard,
    Project,
    ProjectMembership,
    Role,
    Scope,
    UserDashboard,
)


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _member_project_ids(user: Any) -> QuerySet:
    return ProjectMembership.objects.filter(user=user).values("project_id")


def project_visibility_q(user: Any) -> Q:
    return Q(owner=user) | Q(id__in=_member_project_ids(user))


def visible_projects(user: Any) -> QuerySet[Project]:
    """Projects the user owns or is a member of (all of them for superusers)."""
    if not user.is_authenticated:
        return Project.objects.none()
    if _is_superuser(user):
        return Project.objects.all()
    return Project.objects.filter(project_visibility_q(user))


def project_role(user: Any, project: Project) -> str | None:
    """The user's role in the project: the owner counts as admin; None for outsiders."""
    if not user.is_authenticated:
        return None
    if project.owner_id == user.pk or _is_superuser(user):
        return Role.ADMIN
    role = (
        ProjectMembership.objects.filter(project=project, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return role


def annotate_caller_role(queryset: QuerySet[Project], user: Any) -> QuerySet[Project]:
    """Projects with `caller_role`: what `project_role` answers, for a whole list in one query."""
    if _is_superuser(user):
        return queryset.annotate(caller_role=Value(Role.ADMIN, output_field=CharField()))
    member_role = ProjectMembership.objects.filter(project=OuterRef("pk"), user=user).values(
        "role"
    )[:1]
    return queryset.annotate(
        caller_role=Case(
            When(owner=user, then=Value(Role.ADMIN)),
            default=Subquery(member_role),
            output_field=CharField(),
        )
    )


def has_project_role(user: Any, project: Project, minimum: str) -> bool:
    role = project_role(user, project)
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]


def dashboard_visibility_q(user: Any) -> Q:
    """Owner; project members when shared with the project; assignees."""
    return (
        Q(owner=user)
        | Q(
            scope=Scope.PROJECT,
            project__in=Project.objects.filter(project_visibility_q(user)).values("id"),
        )
        | Q(id__in=UserDashboard.objects.filter(user=user).values("dashboard_id"))
    )


# Past this many projects the ids travel as a subquery instead of literals.
MAX_LITERAL_PROJECTS = 1000


def visible_dashboard_sources(
    user: Any, project_ids: Sequence[Any] | None = None, scopes: Sequence[str] | None = None
) -> list[QuerySet[Dashboard]]:
    """The three parts of `dashboard_visibility_q` as separate querysets (all of them for
    superusers): lists merge them with UNION so that each part reads its own index.

    `project_ids` are the projects the user can see, when the caller has them already
    (`listcounts.list_state`): as literals, PostgreSQL plans the shared part on the
    (project, scope, ...) indexes; as a subquery it guesses half the table and scans a
    global index instead (780 ms instead of 1 ms for 1,000 visible rows among 1,000,000).
    `scopes`: only dashboards of these scopes; without `project`, the shared part is left
    out rather than filtered to nothing row by row.
    """
    if not user.is_authenticated:
        return [Dashboard.objects.none()]
    if _is_superuser(user):
        sources = [Dashboard.objects.all()]
    else:
        sources = [
            Dashboard.objects.filter(owner=user),
            Dashboard.objects.filter(scope=Scope.PROJECT, project__in=_projects(user, project_ids)),
            Dashboard.objects.filter(id__in=_assigned(user)),
        ]
    if scopes is None:
        return sources
    if Scope.PROJECT not in scopes and len(sources) == 3:
        sources[1] = Dashboard.objects.none()
    return [source.filter(scope__in=scopes) for source in sources]


def visible_dashboard_sources_key(
    user: Any, project_ids: Sequence[Any] | None = None, scopes: Sequence[str] | None = None
) -> tuple:
    """What `visible_dashboard_sources` builds its querysets from, as a hashable key: equal
    keys, equal SQL (`selectors.dashboard_page_sources`)."""
    if not user.is_authenticated:
        return ("anonymous",)
    scoped = None if scopes is None else tuple(scopes)
    if _is_superuser(user):
        return ("all", scoped)
    projects = _projects(user, project_ids)
    shared = tuple(projects) if isinstance(projects, list) else "subquery"
    return (user.pk, shared, scoped)


def visible_dashboard_parts(
    user: Any, project_ids: Sequence[Any] | None = None, scopes: Sequence[str] | None = None
) -> list[QuerySet[Dashboard]]:
    """The same rows as `visible_dashboard_sources`, split so that no row is in two parts:
    a total is then the sum of the parts' counts, with no UNION to remove duplicates
    (at 1,000,000 rows the UNION's de-duplication took 2 s)."""
    sources = visible_dashboard_sources(user, project_ids, scopes)
    if len(sources) == 1:
        return sources
    owned, shared, assigned = sources
    return [
        owned,
        shared.exclude(owner=user),
        assigned.exclude(owner=user).exclude(
            scope=Scope.PROJECT, project__in=_projects(user, project_ids)
        ),
    ]


def _projects(user: Any, project_ids: Sequence[Any] | None) -> Any:
    if project_ids is not None and len(project_ids) <= MAX_LITERAL_PROJECTS:
        return list(project_ids)
    return Project.objects.filter(project_visibility_q(user)).values("id")


def _assigned(user: Any) -> QuerySet:
    return UserDashboard.objects.filter(user=user).values("dashboard_id")


def visible_dashboards(user: Any) -> QuerySet[Dashboard]:
    if not user.is_authenticated:
        return Dashboard.objects.none()
    if _is_superuser(user):
        return Dashboard.objects.all()
    return Dashboard.objects.filter(dashboard_visibility_q(user))


def can_view_dashboard(user: Any, dashboard: Dashboard) -> bool:
    if not user.is_authenticated:
        return False
    if _is_superuser(user) or dashboard.owner_id == user.pk:
        return True
    if dashboard.scope == Scope.PROJECT and project_role(user, dashboard.project) is not None:
        return True
    return UserDashboard.objects.filter(user=user, dashboard=dashboard).exists()


def can_change_dashboard(user: Any, dashboard: Dashboard) -> bool:
    """Owner; project editors and admins when the dashboard is shared with the project."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user) or dashboard.owner_id == user.pk:
        return True
    return dashboard.scope == Scope.PROJECT and has_project_role(
        user, dashboard.project, Role.EDITOR
    )


def can_delete_dashboard(user: Any, dashboard: Dashboard) -> bool:
    """Owner and project admins who can see it: another member's private dashboard is not
    theirs to delete (a refusal would also reveal that it exists)."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user) or dashboard.owner_id == user.pk:
        return True
    return has_project_role(user, dashboard.project, Role.ADMIN) and can_view_dashboard(
        user, dashboard
    )


def can_create_in_project(user: Any, project: Project) -> bool:
    return has_project_role(user, project, Role.EDITOR)


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) or _is_superuser(user)


def can_assign_dashboard(user: Any, dashboard: Dashboard) -> bool:
    """Whoever may change the dashboard, and staff."""
    return _is_staff(user) or can_change_dashboard(user, dashboard)


def can_manage_assignments_of(user: Any, target_user_id: int | None) -> bool:
    """A user manages their own list (read, reorder, default); staff manage anyone's."""
    return user.is_authenticated and (user.pk == target_user_id or _is_staff(user))


def assignable_users(user: Any) -> QuerySet:
    """Whom the user may assign dashboards to: staff anyone active; others themselves and
    the users they share a project with. Anyone else is answered exactly like a missing
    user, so that accounts cannot be enumerated through assignments."""
    users = get_user_model().objects.filter(is_active=True)
    if not user.is_authenticated:
        return users.none()
    if _is_staff(user):
        return users
    projects = Project.objects.filter(project_visibility_q(user)).values("id")
    return users.filter(
        Q(pk=user.pk) | Q(owned_projects__in=projects) | Q(memberships__project__in=projects)
    ).distinct()
