"""Writes to dashboards and their widgets: one writer, `dashboard_save`, for every path.

Both API families, the admin, restore, import and duplicate hand a `DashboardSpec` to
`dashboard_save`, which checks permission and the expected version, validates, writes the
dashboard and its widgets, bumps the version and appends the version row, all in one
transaction. A write that changes nothing writes nothing: no new version, the same ETag
(docs/history.md). `dashboard_create` and `dashboard_update` are the same writer for
Python callers (keyword fields instead of a spec).
"""

from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from dashboards import permissions, variables
from dashboards.diff import json_equal
from dashboards.exceptions import DashboardNotFound, PermissionDenied, ValidationFailed
from dashboards.limits import MAX_WIDGETS
from dashboards.models import Dashboard, DashboardVersion, Project, Scope, Widget
from dashboards.selectors import version_get
from dashboards.services.common import (
    check_version,
    full_clean,
    integrity_errors_as_domain_errors,
    invalid,
    text_field_errors,
    uuid_or_invalid,
    validation_failed,
)
from dashboards.services.projects import project_get_personal
from dashboards.services.versions import clean_message, version_append
from dashboards.specs import (
    MODEL_TO_DOCUMENT,
    UNSET,
    DashboardSpec,
    WidgetSpec,
    dashboard_document,
    parse_widgets,
)
from dashboards.widgets import registry


def dashboard_save(
    *,
    actor: Any,
    spec: DashboardSpec,
    dashboard: Dashboard | None = None,
    project: Project | None = None,
    owner: Any = None,
    id: Any = None,
    expected_version: int | None = None,
    as_admin: bool = False,
    message: Any = "",
    restored_from: int | None = None,
) -> Dashboard:
    """Create a dashboard (`dashboard` None) or change one to what `spec` says.

    A create puts it in `project` (the actor's personal project when None), owned by `owner`
    (the actor when None), with `id` when given. An update changes the fields `spec` sets;
    its widgets, when set, replace the whole list (a kept id keeps its row).
    `expected_version` is the version the client edited (If-Match / v1 `version`): another
    one is PreconditionFailed and nothing is written. `as_admin`: the actor is staff in the
    admin, where Django's model permissions decide instead of the dashboard's sharing rules;
    only there may a dashboard change project or owner. `message` (at most 500 characters)
    and `restored_from` go on the version this write appends; an update that changes
    nothing appends none and keeps the version.
    """
    message = clean_message(message)
    if dashboard is None:
        return _create(
            actor, spec, project=project, owner=owner, id=id, as_admin=as_admin, message=message
        )
    return _update(
        actor,
        dashboard,
        spec,
        project=project,
        owner=owner,
        expected_version=expected_version,
        as_admin=as_admin,
        message=message,
        restored_from=restored_from,
    )


def _check_scope(scope: Any) -> None:
    if scope is not UNSET and scope not in Scope.values:
        raise invalid({"scope": [f"Scope must be one of: {', '.join(Scope.values)}."]})


def _create(
    actor: Any,
    spec: DashboardSpec,
    *,
    project: Project | None,
    owner: Any,
    id: Any,
    as_admin: bool,
    message: str,
) -> Dashboard:
    if as_admin:
        if not actor.has_perm("dashboards.add_dashboard"):
            raise PermissionDenied("You may not add dashboards.")
    elif project is not None and not permissions.can_create_in_project(actor, project):
        raise PermissionDenied("Project viewers may not create dashboards.")
    if spec.name is UNSET:
        raise invalid({"name": ["This field is required."]})
    _check_scope(spec.scope)
    dashboard = Dashboard(project=project, owner=owner or actor, **spec.with_defaults().given())
    if id is not None:
        dashboard.id = id
    full_clean(dashboard, exclude=["project", "owner"])
    variables.check_definition(dashboard.definition)
    widgets = _build_widgets(dashboard, spec.widgets or ())
    dashboard.widget_count = len(widgets)
    with integrity_errors_as_domain_errors(), transaction.atomic():
        if project is None:
            # Only now, so that a refused create does not leave a personal project behind.
            dashboard.project = project_get_personal(user=dashboard.owner)
        dashboard.save(force_insert=True)
        _save_widgets(dashboard, widgets, existing={})
        version_append(dashboard=dashboard, widgets=widgets, author=actor, message=message)
    return dashboard


def check_can_change(actor: Any, dashboard: Dashboard, *, as_admin: bool = False) -> None:
    """PermissionDenied unless the actor may change the (visible) dashboard."""
    if as_admin:
        if not actor.has_perm("dashboards.change_dashboard"):
            raise PermissionDenied("You may not change dashboards.")
    elif not permissions.can_change_dashboard(actor, dashboard):
        raise PermissionDenied("You may view this dashboard but not change it.")


def _update(
    actor: Any,
    dashboard: Dashboard,
    spec: DashboardSpec,
    *,
    project: Project | None,
    owner: Any,
    expected_version: int | None,
    as_admin: bool,
    message: str,
    restored_from: int | None,
) -> Dashboard:
    moves = (project is not None and project.pk != dashboard.project_id) or (
        owner is not None and owner.pk != dashboard.owner_id
    )
    check_can_change(actor, dashboard, as_admin=as_admin)
    if moves and not as_admin:
        raise ValidationFailed(
            details={"projectId": ["A dashboard cannot move to another project."]}
        )
    _check_scope(spec.scope)
    may_reshare = as_admin or dashboard.owner_id == actor.pk or actor.is_superuser
    if spec.scope not in (UNSET, dashboard.scope) and not may_reshare:
        raise PermissionDenied("Only the owner may change who a dashboard is shared with.")
    with integrity_errors_as_domain_errors(), transaction.atomic():
        # Lock the row so that the version check and the write are one step.
        current = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        check_version(current.version, expected_version)
        existing = list(current.widgets.order_by("position", "id"))
        before = dashboard_document(current, existing)
        stored_definition = current.definition
        for name, value in spec.given().items():
            setattr(current, name, value)
        if project is not None:
            current.project = project
        if owner is not None:
            current.owner = owner
        full_clean(current, exclude=["project", "owner"])
        variables.check_definition(current.definition, stored_definition)
        widgets = existing
        if spec.widgets is not UNSET:
            avoid = frozenset(widget.key for widget in existing)
            widgets = _build_widgets(current, spec.widgets, avoid=avoid)
            # Stored so that lists need no widget join; this is its only writer.
            current.widget_count = len(widgets)
        if not moves and json_equal(before, dashboard_document(current, widgets)):
            # Nothing changes: no write, no version, the same ETag (docs/history.md).
            current.refresh_from_db()
            return current
        current.version = F("version") + 1
        current.save()
        # Inside the transaction: after commit another writer may already have bumped it,
        # and the caller's ETag must name the version this write produced.
        current.refresh_from_db(fields=["version", "updated_at"])
        if spec.widgets is not UNSET:
            _save_widgets(current, widgets, existing={w.key: w for w in existing})
        version_append(
            dashboard=current,
            widgets=widgets,
            author=actor,
            message=message,
            restored_from=restored_from,
        )
    return current


def dashboard_restore(
    *,
    actor: Any,
    dashboard: Dashboard,
    number: Any,
    expected_version: int | None = None,
    message: Any = "",
    as_admin: bool = False,
) -> tuple[Dashboard, DashboardVersion]:
    """Make version `number`'s content the dashboard's again, as a new version that
    records `restored_from`. The scope stays: who may see a dashboard is its owner's
    choice, not content (docs/history.md). Restoring the current content writes nothing."""
    check_can_change(actor, dashboard, as_admin=as_admin)
    version = version_get(dashboard=dashboard, number=number)
    spec = replace(DashboardSpec.from_document(version.document), scope=UNSET)
    restored = dashboard_save(
        actor=actor,
        spec=spec,
        dashboard=dashboard,
        expected_version=expected_version,
        as_admin=as_admin,
        message=message,
        restored_from=version.number,
    )
    return restored, version


def _build_widgets(
    dashboard: Dashboard,
    specs: tuple[WidgetSpec, ...],
    *,
    avoid: frozenset[str] = frozenset(),
) -> list[Widget]:
    """Validate a full widget list and return unsaved Widget objects in order.

    Generated ids also skip `avoid` (the ids the dashboard has now), so that a new widget
    never takes over the row of a dropped one.
    """
    if len(specs) > MAX_WIDGETS:
        raise ValidationFailed(
            f"A dashboard holds at most {MAX_WIDGETS} widgets; got {len(specs)}.",
            details={"widgets": [f"At most {MAX_WIDGETS} widgets."]},
        )
    # Given ids first, so that generated ones avoid them; errors name the widget's index.
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.key is None:
            continue
        if spec.key in seen:
            raise ValidationFailed(
                f"Widget id {spec.key!r} is used twice.",
                details={f"widgets[{index}].id": ["Widget ids must be unique."]},
            )
        seen.add(spec.key)
    counter = 0
    widgets: list[Widget] = []
    for index, spec in enumerate(specs):
        prefix = f"widgets[{index}]."
        key = spec.key
        if key is None:
            counter += 1
            while f"widget_{counter}" in seen or f"widget_{counter}" in avoid:
                counter += 1
            key = f"widget_{counter}"
            seen.add(key)
        registry.validate(spec.type, spec.size, spec.config, prefix=prefix)
        widget = Widget(
            dashboard=dashboard,
            key=key,
            type=spec.type,
            title=spec.title,
            size=spec.size,
            position=index,
            config=spec.config,
        )
        try:
            widget.clean_fields(exclude=["dashboard", "config"])
            text_errors = text_field_errors(widget, ["dashboard"])
            if text_errors:
                raise ValidationError(text_errors)
        except ValidationError as error:
            renamed = {("id" if k == "key" else k): v for k, v in error.message_dict.items()}
            raise validation_failed(ValidationError(renamed), prefix=prefix) from error
        widgets.append(widget)
    return widgets


def _save_widgets(
    dashboard: Dashboard, widgets: list[Widget], *, existing: dict[str, Widget]
) -> None:
    """Write the list: a kept id keeps its row (identity), others are created or deleted.
    `existing`: the dashboard's widgets before this write, by id."""
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


def spec_from_fields(**fields: Any) -> DashboardSpec:
    """A spec from model-field keywords (Python callers): values are the models' to check;
    None widgets means "not sent", a None definition an empty one."""
    unknown = sorted(set(fields) - set(MODEL_TO_DOCUMENT))
    if unknown:
        raise invalid({name: ["Unknown field."] for name in unknown})
    widgets = fields.pop("widgets", None)
    if widgets is not None:
        if not isinstance(widgets, list | tuple):
            raise invalid({"widgets": ["Must be a list of widgets."]})
        fields["widgets"] = parse_widgets(list(widgets))
    if "definition" in fields and fields["definition"] is None:
        fields["definition"] = {}
    return DashboardSpec(**fields)


def dashboard_create(
    *, user: Any, project: Project | None = None, id: Any = None, message: Any = "", **fields: Any
) -> Dashboard:
    """Create a dashboard from keyword fields (in the user's personal project by default)."""
    return dashboard_save(
        actor=user, spec=spec_from_fields(**fields), project=project, id=id, message=message
    )


def dashboard_update(
    *,
    dashboard: Dashboard,
    user: Any,
    expected_version: int | None = None,
    message: Any = "",
    **fields: Any,
) -> Dashboard:
    """Change the keyword fields given; `widgets`, when given, replaces the whole list."""
    return dashboard_save(
        actor=user,
        spec=spec_from_fields(**fields),
        dashboard=dashboard,
        expected_version=expected_version,
        message=message,
    )


def dashboard_upsert(
    *,
    user: Any,
    project: Project,
    spec: DashboardSpec,
    id: Any = None,
    expected_version: int | None = None,
    message: Any = "",
) -> tuple[Dashboard, bool]:
    """Save a whole dashboard by id (v1 save); returns (dashboard, created).

    No id: create. An id that exists nowhere: create with it (clients may choose ids).
    An id of a dashboard the caller can see in `project`: update it with `spec` (whose
    unsent fields the caller has already filled with defaults: a save replaces).
    Any other existing id (hidden, or in another project) is DashboardNotFound.
    """
    if id is None:
        return dashboard_save(actor=user, spec=spec, project=project, message=message), True
    pk = uuid_or_invalid(id, "id")
    # Read the row first, then decide: checking visibility and existence as two steps
    # would answer 404 to a request that raced with the create of the same id.
    existing = Dashboard.objects.select_related("project").filter(pk=pk).first()
    if existing is None:
        # A concurrent create of the same id makes this a Conflict (primary key mapping).
        return dashboard_save(actor=user, spec=spec, project=project, id=pk, message=message), True
    # 404 not 403: hidden, or in another project, looks exactly like missing.
    if existing.project_id != project.pk or not permissions.can_view_dashboard(user, existing):
        raise DashboardNotFound()
    updated = dashboard_save(
        actor=user,
        spec=spec,
        dashboard=existing,
        expected_version=expected_version,
        message=message,
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
            check_version(current.version, expected_version)
        dashboard.delete()
