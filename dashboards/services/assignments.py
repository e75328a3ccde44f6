"""Writes to dashboard assignments (UserDashboard): who sees what, the default, the order.

The rules (SPEC "Who may do what", docs/permissions.md): whoever may change a dashboard, and
staff, may assign it; a non-staff caller only to users they share a project with (anyone
else is USER_NOT_FOUND, like a missing user). A user's default and order are theirs and
staff's alone.
"""

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from dashboards import permissions
from dashboards.exceptions import (
    DashboardNotFound,
    PermissionDenied,
    UserNotFound,
    ValidationFailed,
)
from dashboards.models import Dashboard, UserDashboard
from dashboards.selectors import parse_user_id
from dashboards.services.common import integrity_errors_as_domain_errors

User = get_user_model()


def _assignee(actor: Any, user_id: Any) -> Any:
    """The target user, among those the actor may assign to (else UserNotFound)."""
    pk = parse_user_id(user_id)
    user = permissions.assignable_users(actor).filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise UserNotFound()
    return user


def _own_list(actor: Any, user_id: Any, action: str) -> Any:
    """The target user when the actor manages their list (themselves, or staff)."""
    pk = parse_user_id(user_id)
    if not permissions.can_manage_assignments_of(actor, pk):
        raise PermissionDenied(f"Only the user or staff may {action}.")
    return _assignee(actor, pk)


def _lock_user(user_id: int) -> Any:
    """Serialize assignment writes per user (one default, positions) on PostgreSQL."""
    try:
        return User.objects.select_for_update().get(pk=user_id)
    except User.DoesNotExist:
        raise UserNotFound() from None


def _make_default(assignment: UserDashboard) -> None:
    UserDashboard.objects.filter(user_id=assignment.user_id, is_default=True).exclude(
        pk=assignment.pk
    ).update(is_default=False)
    assignment.is_default = True


def dashboard_assign(
    *, actor: Any, user_id: Any, dashboard: Dashboard, is_default: bool = False
) -> UserDashboard:
    """Assign the dashboard to a user (idempotent); optionally make it their default."""
    assignee = _assignee(actor, user_id)
    if not permissions.can_assign_dashboard(actor, dashboard):
        raise PermissionDenied("Only those who may change the dashboard, or staff, may assign it.")
    if is_default and not permissions.can_manage_assignments_of(actor, assignee.pk):
        raise PermissionDenied("Only the user or staff may pick the default dashboard.")
    with integrity_errors_as_domain_errors(), transaction.atomic():
        _lock_user(assignee.pk)
        assignment = UserDashboard.objects.filter(user=assignee, dashboard=dashboard).first()
        if assignment is None:
            last = UserDashboard.objects.filter(user=assignee).aggregate(m=Max("position"))["m"]
            assignment = UserDashboard(
                user=assignee, dashboard=dashboard, position=0 if last is None else last + 1
            )
        if is_default:
            _make_default(assignment)
        assignment.save()
    return assignment


def dashboard_unassign(*, actor: Any, user_id: Any, dashboard: Dashboard) -> None:
    """The user themselves, staff, or whoever may change the dashboard (to users they may
    assign to)."""
    assignee = _assignee(actor, user_id)
    if not (
        permissions.can_manage_assignments_of(actor, assignee.pk)
        or permissions.can_assign_dashboard(actor, dashboard)
    ):
        raise PermissionDenied("You may not change this user's dashboards.")
    deleted, _ = UserDashboard.objects.filter(user=assignee, dashboard=dashboard).delete()
    if not deleted:
        raise DashboardNotFound("This dashboard is not assigned to this user.")


def dashboard_set_default(
    *, actor: Any, user_id: Any, dashboard: Dashboard, is_default: bool = True
) -> UserDashboard:
    """Pick (or clear) the user's default among their assigned dashboards."""
    assignee = _own_list(actor, user_id, "pick the default dashboard")
    with integrity_errors_as_domain_errors(), transaction.atomic():
        _lock_user(assignee.pk)
        assignment = UserDashboard.objects.filter(user=assignee, dashboard=dashboard).first()
        if assignment is None:
            raise DashboardNotFound("This dashboard is not assigned to this user.")
        if is_default:
            _make_default(assignment)
        assignment.is_default = is_default
        assignment.save(update_fields=["is_default"])
    return assignment


def _uuid_text(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def assignments_reorder(*, actor: Any, user_id: Any, dashboard_ids: list[Any]) -> None:
    """Set the order of the user's assigned dashboards: `dashboard_ids` must name them all."""
    assignee = _own_list(actor, user_id, "reorder their dashboards")
    with transaction.atomic():
        _lock_user(assignee.pk)
        assignments = {str(a.dashboard_id): a for a in UserDashboard.objects.filter(user=assignee)}
        # Any spelling of a UUID (upper case, no hyphens) names the same dashboard.
        wanted = [_uuid_text(d) for d in dashboard_ids]
        if sorted(wanted) != sorted(assignments):
            raise ValidationFailed(
                "List every assigned dashboard exactly once.",
                details={"dashboardIds": ["List every assigned dashboard exactly once."]},
            )
        for position, dashboard_id in enumerate(wanted):
            assignments[dashboard_id].position = position
        UserDashboard.objects.bulk_update(list(assignments.values()), ["position"])
