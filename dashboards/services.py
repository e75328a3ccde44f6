"""Every write to the domain: validation, permissions, versioning, in one transaction each.

Services take keyword arguments, raise `dashboards.exceptions.*` and never see HTTP. The API
families and the admin are adapters over these functions. A constraint race that the
database catches becomes the same domain error a sequential caller would get.
"""

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, TextField

from dashboards import permissions
from dashboards.exceptions import (
    Conflict,
    DashboardNotFound,
    DomainError,
    DuplicateDashboard,
    DuplicateProject,
    PermissionDenied,
    PreconditionFailed,
    ProjectNotFound,
    UserNotFound,
    ValidationFailed,
)
from dashboards.models import (
    MAX_WIDGETS,
    RESERVED_DEFINITION_KEYS,  # noqa: F401 - re-exported for the adapters
    Dashboard,
    Project,
    ProjectMembership,
    Role,
    Scope,
    UserDashboard,
    Widget,
)
from dashboards.selectors import parse_user_id
from dashboards.widgets import registry

User = get_user_model()


class WidgetSpec(TypedDict, total=False):
    id: str  # the client's key; generated when missing
    type: str
    title: str
    size: str
    config: dict[str, Any]


_CONSTRAINT_ERRORS: dict[str, DomainError] = {
    "dashboard_name_unique_user_scope": DuplicateDashboard(
        "You already have a dashboard with this name in this project.",
        details={"name": ["Dashboard name already exists."]},
    ),
    "dashboard_name_unique_project_scope": DuplicateDashboard(
        "This project already shares a dashboard with this name.",
        details={"name": ["Dashboard name already exists."]},
    ),
    "project_name_ci_unique_per_owner": DuplicateProject(
        "You already have a project with this name.",
        details={"name": ["Project name already exists."]},
    ),
    "one_default_dashboard_per_user": Conflict(
        "Another default dashboard was set at the same time; retry."
    ),
    "widget_key_unique": ValidationFailed(
        "Widget ids must be unique within a dashboard.",
        details={"widgets": ["Widget ids must be unique within a dashboard."]},
    ),
    "dashboards_widget.dashboard_id, dashboards_widget.key": ValidationFailed(
        "Widget ids must be unique within a dashboard.",
        details={"widgets": ["Widget ids must be unique within a dashboard."]},
    ),
    # A client-chosen id (v1 save, import) that is already taken: PostgreSQL names the
    # primary key, SQLite the column.
    "dashboards_dashboard_pkey": Conflict(
        "A dashboard with this id already exists.", details={"id": ["Already taken."]}
    ),
    "UNIQUE constraint failed: dashboards_dashboard.id": Conflict(
        "A dashboard with this id already exists.", details={"id": ["Already taken."]}
    ),
    "dashboards_project_pkey": Conflict(
        "A project with this id already exists.", details={"id": ["Already taken."]}
    ),
    "UNIQUE constraint failed: dashboards_project.id": Conflict(
        "A project with this id already exists.", details={"id": ["Already taken."]}
    ),
}


@contextlib.contextmanager
def _integrity_errors_as_domain_errors() -> Iterator[None]:
    """Turn a constraint violation (usually a lost race) into the domain error."""
    try:
        yield
    except IntegrityError as error:
        cause = getattr(error.__cause__, "diag", None)
        text = getattr(cause, "constraint_name", None) or str(error)
        for name, domain_error in _CONSTRAINT_ERRORS.items():
            if name in text:
                raise type(domain_error)(
                    domain_error.message, details=domain_error.details
                ) from error
        raise


def _validation_failed(error: ValidationError, *, prefix: str = "") -> ValidationFailed:
    if hasattr(error, "error_dict"):
        details = {f"{prefix}{k}": [str(m) for m in v] for k, v in error.message_dict.items()}
    else:
        details = {prefix.rstrip(".") or "non_field_errors": error.messages}
    return _invalid(details)


def _invalid(details: dict[str, list[str]]) -> ValidationFailed:
    """ValidationFailed whose message names the first bad field, as clients show it."""
    first_field, first_messages = next(iter(details.items()))
    return ValidationFailed(f"{first_field}: {first_messages[0]}", details=details)


def _full_clean(instance: Any, *, exclude: Sequence[str] = (), prefix: str = "") -> None:
    errors: dict[str, list[Any]] = {}
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    for name, messages in _text_field_errors(instance, exclude).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise _validation_failed(ValidationError(errors), prefix=prefix)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


def _text_field_errors(instance: Any, exclude: Sequence[str]) -> dict[str, list[str]]:
    """What model validation leaves to forms: TextField.max_length (Django enforces it in
    forms only) and NUL characters, which PostgreSQL refuses in text and jsonb (a 500)."""
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(instance, field.attname)
        if _contains_nul(value):
            errors[field.name] = ["Null characters are not allowed."]
        elif (
            isinstance(field, TextField)
            and field.max_length
            and isinstance(value, str)
            and len(value) > field.max_length
        ):
            errors[field.name] = [
                f"Ensure this value has at most {field.max_length} characters "
                f"(it has {len(value)})."
            ]
    return errors


# --- Projects -------------------------------------------------------------------------


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
    _full_clean(project, exclude=["owner"])
    with _integrity_errors_as_domain_errors(), transaction.atomic():
        project.save(force_insert=True)
    return project


def project_update(*, project: Project, user: Any, **fields: Any) -> Project:
    """Change name, description or metadata. Project admins only."""
    if not permissions.has_project_role(user, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may change the project.")
    allowed = {"name", "description", "metadata"}
    unknown = set(fields) - allowed
    if unknown:
        raise _invalid({k: ["Unknown field."] for k in sorted(unknown)})
    if project.is_personal and "name" in fields and fields["name"] != project.name:
        raise ValidationFailed(
            "The personal project cannot be renamed.",
            details={"name": ["The personal project cannot be renamed."]},
        )
    for key, value in fields.items():
        setattr(project, key, value)
    _full_clean(project, exclude=["owner"])
    with _integrity_errors_as_domain_errors(), transaction.atomic():
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
    pk = _uuid_or_invalid(id, "id")
    existing = Project.objects.filter(pk=pk).first()
    if existing is None:
        return project_create(user=user, id=pk, **fields), True
    if not permissions.visible_projects(user).filter(pk=pk).exists():
        raise ProjectNotFound()
    return project_update(project=existing, user=user, **fields), False


def _uuid_or_invalid(value: Any, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(
            f"{field}: Must be a valid UUID.", details={field: ["Must be a valid UUID."]}
        ) from None


def membership_set(*, project: Project, actor: Any, user_id: Any, role: str) -> ProjectMembership:
    """Add a member or change their role. Project admins only."""
    if not permissions.has_project_role(actor, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may manage members.")
    if role not in Role.values:
        raise _invalid({"role": [f"Role must be one of: {', '.join(Role.values)}."]})
    member = _user_or_404(user_id)
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
    member = _user_or_404(user_id)
    if member.pk != actor.pk and not permissions.has_project_role(actor, project, Role.ADMIN):
        raise PermissionDenied("Only project admins may manage members.")
    deleted, _ = ProjectMembership.objects.filter(project=project, user=member).delete()
    if not deleted:
        raise UserNotFound("This user is not a member of the project.")


def _user_or_404(user_id: Any) -> Any:
    pk = parse_user_id(user_id)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if user is None:
        raise UserNotFound()
    return user


# --- Dashboards -----------------------------------------------------------------------


def _check_definition(definition: Any) -> dict[str, Any]:
    # Shape, reserved keys and size are the model field's validators (full_clean).
    return {} if definition is None else definition


def _build_widgets(
    dashboard: Dashboard, specs: Any, *, avoid: frozenset[str] = frozenset()
) -> list[Widget]:
    """Validate a full widget list and return unsaved Widget objects in order.

    Generated ids also skip `avoid` (the ids the dashboard has now), so that a new widget
    never takes over the row of a dropped one.
    """
    if not isinstance(specs, list):
        raise _invalid({"widgets": ["Must be a list of widgets."]})
    if len(specs) > MAX_WIDGETS:
        raise ValidationFailed(
            f"A dashboard holds at most {MAX_WIDGETS} widgets; got {len(specs)}.",
            details={"widgets": [f"At most {MAX_WIDGETS} widgets."]},
        )
    # Given ids first, so that generated ones avoid them; errors name the widget's index.
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        key = spec.get("id") if isinstance(spec, dict) else None
        if key is None:
            continue
        if not isinstance(key, str):
            raise _invalid({f"widgets[{index}].id": ["Must be a string."]})
        if key in seen:
            raise ValidationFailed(
                f"Widget id {key!r} is used twice.",
                details={f"widgets[{index}].id": ["Widget ids must be unique."]},
            )
        seen.add(key)
    counter = 0
    widgets: list[Widget] = []
    for index, spec in enumerate(specs):
        prefix = f"widgets[{index}]."
        if not isinstance(spec, dict):
            raise _invalid({f"widgets[{index}]": ["Must be a JSON object."]})
        unknown = set(spec) - {"id", "type", "title", "size", "config"}
        if unknown:
            raise _invalid({f"{prefix}{k}": ["Unknown field."] for k in sorted(unknown)})
        key = spec.get("id")
        if key is None:
            counter += 1
            while f"widget_{counter}" in seen or f"widget_{counter}" in avoid:
                counter += 1
            key = f"widget_{counter}"
            seen.add(key)
        size = spec.get("size", "medium")
        config = spec.get("config") if spec.get("config") is not None else {}
        registry.get(spec.get("type"))  # INVALID_WIDGET_TYPE before anything else
        title = spec.get("title", "")
        if not isinstance(title, str):
            raise _invalid({f"{prefix}title": ["Must be a string."]})
        registry.validate(spec["type"], size, config, prefix=prefix)
        widget = Widget(
            dashboard=dashboard,
            key=key,
            type=spec["type"],
            title=title,
            size=size,
            position=index,
            config=config,
        )
        try:
            widget.clean_fields(exclude=["dashboard", "config"])
            text_errors = _text_field_errors(widget, ["dashboard"])
            if text_errors:
                raise ValidationError(text_errors)
        except ValidationError as error:
            renamed = {("id" if k == "key" else k): v for k, v in error.message_dict.items()}
            raise _validation_failed(ValidationError(renamed), prefix=prefix) from error
        widgets.append(widget)
    return widgets


def _save_widgets(dashboard: Dashboard, widgets: list[Widget], *, replace: bool) -> None:
    """Write the list: a kept id keeps its row (identity), others are created or deleted."""
    existing = {w.key: w for w in dashboard.widgets.all()} if replace else {}
    keep_keys = {w.key for w in widgets}
    stale = [w.pk for key, w in existing.items() if key not in keep_keys]
    if stale:
        Widget.objects.filter(pk__in=stale).delete()
    updates, creates = [], []
    for widget in widgets:
        current = existing.get(widget.key)
        if current is None:
            creates.append(widget)
        else:
            widget.pk = current.pk
            updates.append(widget)
    if updates:
        Widget.objects.bulk_update(updates, ["type", "title", "size", "position", "config"])
    if creates:
        Widget.objects.bulk_create(creates)


def dashboard_create(
    *,
    user: Any,
    name: str,
    project: Project | None = None,
    scope: str = Scope.USER,
    description: str = "",
    type: str = "custom",
    refresh_interval: int = 0,
    definition: dict[str, Any] | None = None,
    widgets: list[WidgetSpec] | None = None,
    id: Any = None,
) -> Dashboard:
    """Create a dashboard (in the user's personal project when none is given)."""
    if project is not None and not permissions.can_create_in_project(user, project):
        raise PermissionDenied("Project viewers may not create dashboards.")
    if scope not in Scope.values:
        raise _invalid({"scope": [f"Scope must be one of: {', '.join(Scope.values)}."]})
    dashboard = Dashboard(
        project=project,
        owner=user,
        scope=scope,
        name=name,
        description=description,
        type=type,
        refresh_interval=refresh_interval,
        definition=_check_definition(definition),
    )
    if id is not None:
        dashboard.id = id
    _full_clean(dashboard, exclude=["project", "owner"])
    built = _build_widgets(dashboard, widgets or [])
    with _integrity_errors_as_domain_errors(), transaction.atomic():
        if project is None:
            # Only now, so that a refused create does not leave a personal project behind.
            dashboard.project = project_get_personal(user=user)
        dashboard.save(force_insert=True)
        _save_widgets(dashboard, built, replace=False)
    return dashboard


DASHBOARD_UPDATABLE_FIELDS = (
    "name",
    "description",
    "type",
    "refresh_interval",
    "definition",
    "scope",
)


def dashboard_update(
    *,
    dashboard: Dashboard,
    user: Any,
    expected_version: int | None = None,
    widgets: list[WidgetSpec] | None = None,
    **fields: Any,
) -> Dashboard:
    """Change the fields given; `widgets`, when given, replaces the whole widget list.

    `expected_version` is the version the client edited (If-Match / v1 `version`); a
    mismatch is PreconditionFailed and nothing is written: no lost updates.
    """
    unknown = set(fields) - set(DASHBOARD_UPDATABLE_FIELDS)
    if unknown:
        raise _invalid({k: ["Unknown field."] for k in sorted(unknown)})
    if not permissions.can_change_dashboard(user, dashboard):
        raise PermissionDenied("You may view this dashboard but not change it.")
    if "scope" in fields and fields["scope"] != dashboard.scope:
        if fields["scope"] not in Scope.values:
            raise _invalid({"scope": [f"Scope must be one of: {', '.join(Scope.values)}."]})
        if dashboard.owner_id != user.pk and not user.is_superuser:
            raise PermissionDenied("Only the owner may change who a dashboard is shared with.")
    if "definition" in fields:
        fields["definition"] = _check_definition(fields["definition"])
    with _integrity_errors_as_domain_errors(), transaction.atomic():
        # Lock the row so that the version check and the write are one step.
        current = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        if expected_version is not None and current.version != expected_version:
            raise PreconditionFailed(
                f"The dashboard is at version {current.version}, not {expected_version}.",
                details={"currentVersion": current.version},
            )
        for key, value in fields.items():
            setattr(current, key, value)
        _full_clean(current, exclude=["project", "owner"])
        built = None
        if widgets is not None:
            generates = isinstance(widgets, list) and any(
                isinstance(w, dict) and w.get("id") is None for w in widgets
            )
            avoid = frozenset(current.widgets.values_list("key", flat=True)) if generates else None
            built = _build_widgets(current, widgets, avoid=avoid or frozenset())
        current.version = F("version") + 1
        current.save()
        # Inside the transaction: after commit another writer may already have bumped it,
        # and the caller's ETag must name the version this write produced.
        current.refresh_from_db(fields=["version", "updated_at"])
        if built is not None:
            _save_widgets(current, built, replace=True)
    return current


def dashboard_upsert(
    *,
    user: Any,
    project: Project,
    id: Any = None,
    scope: str = Scope.USER,
    expected_version: int | None = None,
    **fields: Any,
) -> tuple[Dashboard, bool]:
    """Save a whole dashboard by id (v1 save); returns (dashboard, created).

    No id: create. An id that exists nowhere: create with it (clients may choose ids).
    An id of a dashboard the caller can see in `project`: update it, every field given
    replaced and `scope` applied, with `expected_version` as the precondition. Any other
    existing id (hidden, or in another project) is DashboardNotFound, as if missing.
    """
    if id is None:
        return dashboard_create(user=user, project=project, scope=scope, **fields), True
    pk = _uuid_or_invalid(id, "id")
    # Read the row first, then decide: checking visibility and existence as two steps
    # would answer 404 to a request that raced with the create of the same id.
    existing = Dashboard.objects.select_related("project").filter(pk=pk).first()
    if existing is None:
        # A concurrent create of the same id makes this a Conflict (primary key mapping).
        created = dashboard_create(user=user, project=project, scope=scope, id=pk, **fields)
        return created, True
    # 404 not 403: hidden, or in another project, looks exactly like missing.
    visible = permissions.visible_dashboards(user).filter(pk=pk).exists()
    if existing.project_id != project.pk or not visible:
        raise DashboardNotFound()
    updated = dashboard_update(
        dashboard=existing,
        user=user,
        expected_version=expected_version,
        scope=scope,
        **fields,
    )
    return updated, False


def dashboard_delete(
    *, dashboard: Dashboard, user: Any, expected_version: int | None = None
) -> None:
    """Delete the dashboard, its widgets and its assignments, permanently.

    With `expected_version` (If-Match), a dashboard changed since the client read it is
    PreconditionFailed and stays.
    """
    if not permissions.can_delete_dashboard(user, dashboard):
        raise PermissionDenied("Only the owner or a project admin may delete this dashboard.")
    with transaction.atomic():
        if expected_version is not None:
            current = Dashboard.objects.select_for_update().only("version").get(pk=dashboard.pk)
            if current.version != expected_version:
                raise PreconditionFailed(
                    f"The dashboard is at version {current.version}, not {expected_version}.",
                    details={"currentVersion": current.version},
                )
        dashboard.delete()


# --- Assignments (UserDashboard) -------------------------------------------------------


def _lock_user(user_id: int) -> Any:
    """Serialize assignment writes per user (one default, positions) on PostgreSQL."""
    try:
        return User.objects.select_for_update().get(pk=user_id)
    except User.DoesNotExist:
        raise UserNotFound() from None


def dashboard_assign(
    *, actor: Any, user_id: Any, dashboard: Dashboard, is_default: bool = False
) -> UserDashboard:
    """Assign the dashboard to a user (idempotent); optionally make it their default."""
    assignee = _user_or_404(user_id)
    if not permissions.can_assign_dashboard(actor, dashboard):
        raise PermissionDenied("Only those who may change the dashboard, or staff, may assign it.")
    with _integrity_errors_as_domain_errors(), transaction.atomic():
        _lock_user(assignee.pk)
        assignment = UserDashboard.objects.filter(user=assignee, dashboard=dashboard).first()
        if assignment is None:
            last = UserDashboard.objects.filter(user=assignee).aggregate(m=Max("position"))["m"]
            assignment = UserDashboard(
                user=assignee, dashboard=dashboard, position=0 if last is None else last + 1
            )
        if is_default:
            UserDashboard.objects.filter(user=assignee, is_default=True).exclude(
                pk=assignment.pk
            ).update(is_default=False)
            assignment.is_default = True
        assignment.save()
    return assignment


def dashboard_unassign(*, actor: Any, user_id: Any, dashboard: Dashboard) -> None:
    """The user themselves, whoever may change the dashboard, or staff."""
    assignee = _user_or_404(user_id)
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
    assignee = _user_or_404(user_id)
    if not permissions.can_manage_assignments_of(actor, assignee.pk):
        raise PermissionDenied("Only the user or staff may pick the default dashboard.")
    with _integrity_errors_as_domain_errors(), transaction.atomic():
        _lock_user(assignee.pk)
        assignment = UserDashboard.objects.filter(user=assignee, dashboard=dashboard).first()
        if assignment is None:
            raise DashboardNotFound("This dashboard is not assigned to this user.")
        if is_default:
            UserDashboard.objects.filter(user=assignee, is_default=True).exclude(
                pk=assignment.pk
            ).update(is_default=False)
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
    assignee = _user_or_404(user_id)
    if not permissions.can_manage_assignments_of(actor, assignee.pk):
        raise PermissionDenied("Only the user or staff may reorder their dashboards.")
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
