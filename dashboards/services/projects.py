"""Writes to projects and their members."""

from typing import Any

from django.db import IntegrityError, transaction

from dashboards import permissions
from dashboards.exceptions import PermissionDenied, ProjectNotFound, UserNotFound, ValidationFailed
from dashboards.models import Project, ProjectMembership, Role
from dashboards.services.common import (
    active_user_or_404,
    full_clean,
    integrity_errors_as_domain_errors,
    invalid,
    uuid_or_invalid,
)

PROJECT_UPDATABLE_FIELDS = frozenset({"name", "description", "metadata"})


def project_get_personal(*, user: Any) -> Project:
    """The user's personal project, created the first time it is needed."""
    project = Project.objects.filter(owner=user, is_personal=True).first()
    if project is not None:
        return project
    try:
        with transaction.atomic():
            return Project.objects.create(
                owner=user,
                is_personal=True,
                name="Personal",
                description=f"Dashboards {user.get_username()} created without a project.",
            )
    except IntegrityError:
        # Created concurrently by another request of the same user.
        return Project.objects.get(owner=user, is_personal=True)


def project_create(
    *,
    user: Any,
    name: str,
    description: str = "",
    metadata: dict[str, Any] | None = None,
    id: Any = None,
) -> Project:
    project = Project(owner=user, name=name, description=description, metadata=metadata or {})
    if id is not None:
        project.id = id
    full_clean(project, exclude=["owner"])
    with integrity_errors_as_domain_errors(), transaction.atomic():
        project.save(force_insert=True)
    return project


def project_update(*, project: Project, user: Any, **fields: Any) -> Project:
    """Change name, description or metadata. Project admins only."""
    if not permissions.has_project_role(user, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may change the project.")
    unknown = set(fields) - PROJECT_UPDATABLE_FIELDS
    if unknown:
        raise invalid({k: ["Unknown field."] for k in sorted(unknown)})
    if project.is_personal and "name" in fields and fields["name"] != project.name:
        raise ValidationFailed(
            "The personal project cannot be renamed.",
            details={"name": ["The personal project cannot be renamed."]},
        )
    for key, value in fields.items():
        setattr(project, key, value)
    full_clean(project, exclude=["owner"])
    with integrity_errors_as_domain_errors(), transaction.atomic():
        project.save()
    return project


def project_delete(*, project: Project, user: Any) -> None:
    """Delete a project with its dashboards, widgets and metrics. Project admins only."""
    if not permissions.has_project_role(user, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may delete the project.")
    if project.is_personal:
        raise ValidationFailed("The personal project cannot be deleted.")
    with transaction.atomic():
        project.delete()


def project_save(*, user: Any, id: Any = None, **fields: Any) -> tuple[Project, bool]:
    """Create, or update by id (v1 save); returns (project, created).

    An id that exists nowhere creates the project with that id; an id of a project the
    caller cannot see is ProjectNotFound, exactly as if it did not exist.
    """
    if id is None:
        return project_create(user=user, **fields), True
    pk = uuid_or_invalid(id, "id")
    existing = Project.objects.filter(pk=pk).first()
    if existing is None:
        return project_create(user=user, id=pk, **fields), True
    if not permissions.visible_projects(user).filter(pk=pk).exists():
        raise ProjectNotFound()
    return project_update(project=existing, user=user, **fields), False


def membership_set(*, project: Project, actor: Any, user_id: Any, role: str) -> ProjectMembership:
    """Add a member or change their role. Project admins only."""
    if not permissions.has_project_role(actor, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may manage members.")
    if role not in Role.values:
        raise invalid({"role": [f"Role must be one of: {', '.join(Role.values)}."]})
    member = active_user_or_404(user_id)
    if member.pk == project.owner_id:
        raise ValidationFailed(
            "The owner is always an admin of the project.",
            details={"user_id": ["The owner is always an admin of the project."]},
        )
    with transaction.atomic():
        membership, _ = ProjectMembership.objects.update_or_create(
            project=project, user=member, defaults={"role": role}
        )
    return membership


def membership_remove(*, project: Project, actor: Any, user_id: Any) -> None:
    """Project admins remove anyone; a member may leave by removing themselves."""
    member = active_user_or_404(user_id)
    if member.pk != actor.pk and not permissions.has_project_role(actor, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may manage members.")
    deleted, _ = ProjectMembership.objects.filter(project=project, user=member).delete()
    if not deleted:
        raise UserNotFound("This user is not a member of the project.")
