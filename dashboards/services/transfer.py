"""Dashboards arriving from elsewhere: import (from an export file) and duplicate.

Every dashboard they write goes through `dashboard_save`, so it is validated, permission
checked and versioned like any other write. Decisions (matching, renaming, ids, dry runs):
docs/transfer.md.

Import runs in two steps. The plan matches each document to a dashboard of the project
(by `uid`, else by name within the scope it declares) and decides what happens to it, with
no write. Then every step is carried out in document order in one transaction; a dry run
carries out the same steps and rolls the transaction back, so its answer is exactly what
the real run would do, including what only the database can tell (a name taken by
another document of the same file). Any refusal names the document and rolls back all.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from dashboards import permissions
from dashboards.diff import json_equal
from dashboards.exceptions import (
    DashboardNotFound,
    DomainError,
    DuplicateDashboard,
    PermissionDenied,
    ValidationFailed,
    first_detail,
)
from dashboards.limits import EXPORT_SCHEMA_VERSION, MAX_IMPORT_DASHBOARDS, NAME_MAX_LENGTH
from dashboards.models import Dashboard, Project, Scope, Widget
from dashboards.services.dashboards import dashboard_save
from dashboards.services.versions import clean_message
from dashboards.specs import (
    EXPORT_FIELDS,
    MODEL_TO_DOCUMENT,
    DashboardSpec,
    dashboard_document,
    invalid_field,
    spec_document,
)

ON_CONFLICT = ("fail", "overwrite", "rename")
IMPORT_MESSAGE = "Imported"
# New ids of imported dashboards are derived from the project and the document, so that a
# dry run and the real run name the same ids (and re-importing a file is stable).
IMPORT_ID_NAMESPACE = uuid.UUID("6b1f3c2e-8d4a-5e7b-9c0f-1a2b3c4d5e6f")
_RETRIES = 5


@dataclass(frozen=True)
class ImportOutcome:
    """What happened (or, in a dry run, would happen) to one document."""

    index: int
    action: str  # "created", "updated", "unchanged" or "renamed"
    id: uuid.UUID
    name: str
    renamed_from: str | None = None


@dataclass(frozen=True)
class ImportResult:
    dry_run: bool
    outcomes: tuple[ImportOutcome, ...]

    def of(self, action: str) -> list[ImportOutcome]:
        return [outcome for outcome in self.outcomes if outcome.action == action]


@dataclass
class _Step:
    index: int
    spec: DashboardSpec
    uid: uuid.UUID | None
    action: str
    target: Dashboard | None = None  # the matched dashboard
    id: uuid.UUID | None = None  # the id a created dashboard takes
    name: str = ""
    how: str = ""  # "uid" or "name": how the document met its dashboard


def dashboards_import(
    *,
    actor: Any,
    project: Project,
    schema_version: Any,
    documents: Any,
    on_conflict: Any = "fail",
    dry_run: bool = False,
    message: Any = "",
    where: str = "",
    max_dashboards: int | None = MAX_IMPORT_DASHBOARDS,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import export documents into `project` (visible to the actor), all or nothing.

    `on_conflict` says what happens to a document whose dashboard exists with other
    content: `fail` (409, nothing written), `overwrite` (update it; needs change
    permission) or `rename` (create a copy under a free name). Identical content is
    `unchanged` in every mode. Error details name `<where>dashboards[i].<field>`.
    `progress` is called with the number of documents carried out so far.
    """
    if not permissions.can_create_in_project(actor, project):
        raise PermissionDenied("Only project editors and admins may import dashboards.")
    if on_conflict not in ON_CONFLICT:
        raise invalid_field("onConflict", f"Must be one of: {', '.join(ON_CONFLICT)}.")
    message = clean_message(message) or IMPORT_MESSAGE
    _check_schema_version(schema_version, where)
    if not isinstance(documents, list):
        raise invalid_field(f"{where}dashboards", "Must be a list of dashboard documents.")
    if max_dashboards is not None and len(documents) > max_dashboards:
        raise invalid_field(
            f"{where}dashboards",
            f"At most {max_dashboards} dashboards in one import; got {len(documents)}.",
        )
    parsed = [_parse(document, f"{where}dashboards[{i}]") for i, document in enumerate(documents)]
    _refuse_repeats(parsed, where)
    steps = _plan(actor, project, parsed, on_conflict, where)
    outcomes: list[ImportOutcome] = []
    with transaction.atomic():
        for done, step in enumerate(steps, start=1):
            try:
                outcomes.append(_carry_out(actor, project, step, message))
            except DomainError as error:
                raise _at(error, f"{where}dashboards[{step.index}]") from error
            if progress is not None:
                progress(done)
        if dry_run:
            transaction.set_rollback(True)
    return ImportResult(dry_run=dry_run, outcomes=tuple(outcomes))


def _check_schema_version(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_field(f"{where}schemaVersion", "Must be an integer.")
    if value != EXPORT_SCHEMA_VERSION:
        raise invalid_field(
            f"{where}schemaVersion",
            f"Unsupported schema version {value}; this server reads {EXPORT_SCHEMA_VERSION}.",
        )


def _parse(document: Any, where: str) -> tuple[uuid.UUID | None, DashboardSpec]:
    """One export document: known keys only, a UUID `uid` when given; what it leaves out
    takes its default (an import writes the whole dashboard)."""
    if not isinstance(document, Mapping):
        raise invalid_field(where, "Must be a JSON object.")
    unknown = sorted(str(key) for key in document.keys() - set(EXPORT_FIELDS))
    if unknown:
        raise ValidationFailed(details={f"{where}.{key}": ["Unknown field."] for key in unknown})
    uid = document.get("uid")
    if uid is not None:
        try:
            uid = uuid.UUID(uid) if isinstance(uid, str) else None
        except ValueError:
            uid = None
        if uid is None:
            raise invalid_field(f"{where}.uid", "Must be a UUID string.")
    spec = DashboardSpec.from_document(document, prefix=f"{where}.", required=["name"])
    spec = spec.with_defaults()
    # The plan looks names up before any model validation runs: PostgreSQL refuses NUL.
    if isinstance(spec.name, str) and "\x00" in spec.name:
        raise invalid_field(f"{where}.name", "Null characters are not allowed.")
    if spec.scope not in Scope.values:
        raise invalid_field(f"{where}.scope", f"Must be one of: {', '.join(Scope.values)}.")
    return uid, spec


def _refuse_repeats(parsed: list[tuple[uuid.UUID | None, DashboardSpec]], where: str) -> None:
    """Two documents of one file may not describe the same dashboard."""
    uids: dict[uuid.UUID, int] = {}
    names: dict[tuple[str, str], int] = {}
    for index, (uid, spec) in enumerate(parsed):
        here = f"{where}dashboards[{index}]"
        if uid is not None:
            if uid in uids:
                raise invalid_field(f"{here}.uid", f"Same uid as {where}dashboards[{uids[uid]}].")
            uids[uid] = index
        key = (spec.scope, spec.name.lower())
        if key in names:
            raise invalid_field(
                f"{here}.name",
                f"Same name and scope as {where}dashboards[{names[key]}] (names ignore case).",
            )
        names[key] = index


def _plan(
    actor: Any,
    project: Project,
    parsed: list[tuple[uuid.UUID | None, DashboardSpec]],
    on_conflict: str,
    where: str,
) -> list[_Step]:
    """Match every document and decide its step; refuse every conflict under `fail`."""
    uids = [uid for uid, _ in parsed if uid is not None]
    # 404 not a match: a dashboard the actor cannot see is never revealed by an import.
    by_uid = {
        d.pk: d
        for d in permissions.visible_dashboards(actor)
        .filter(project=project, pk__in=uids)
        .select_related("project")
    }
    taken = set(Dashboard.objects.filter(pk__in=uids).values_list("pk", flat=True))
    by_name = _by_name(actor, project, [spec for _, spec in parsed])
    matched: dict[uuid.UUID, int] = {}
    steps: list[_Step] = []
    for index, (uid, spec) in enumerate(parsed):
        how = "uid"
        match = by_uid.get(uid) if uid is not None else None
        if match is None:
            how = "name"
            match = by_name.get((spec.scope, spec.name)) or by_name.get(
                (spec.scope, spec.name.lower())
            )
        if match is None:
            steps.append(_Step(index, spec, uid, "created", name=spec.name))
            continue
        if match.pk in matched:
            raise invalid_field(
                f"{where}dashboards[{index}]",
                f"Describes the same dashboard as {where}dashboards[{matched[match.pk]}].",
            )
        matched[match.pk] = index
        steps.append(_Step(index, spec, uid, "matched", target=match, name=match.name, how=how))
    _mark_unchanged(steps)
    conflicting = [step for step in steps if step.action == "matched"]
    if conflicting and on_conflict == "fail":
        raise DuplicateDashboard(
            details={
                f"{where}dashboards[{step.index}]": [
                    f"The project has this dashboard ({step.target.pk}, '{step.name}', "
                    f"matched by {step.how}) with other content; import with onConflict "
                    "overwrite or rename."
                ]
                for step in conflicting
                if step.target is not None
            }
        )
    for step in conflicting:
        step.action = "updated" if on_conflict == "overwrite" else "renamed"
    _name_renamed(actor, project, steps)
    _choose_ids(project, steps, taken)
    return steps


def _by_name(actor: Any, project: Project, specs: list[DashboardSpec]) -> dict:
    """The dashboards each name could meet, by (scope, exact name) and (scope, lower name):
    the project's shared ones, and the actor's own private ones (another user's private
    name never conflicts)."""
    if not specs:
        return {}
    names = {spec.name for spec in specs}
    rows = (
        Dashboard.objects.filter(project=project)
        .filter(Q(scope=Scope.PROJECT) | Q(scope=Scope.USER, owner=actor))
        .annotate(lowered=Lower("name"))
        .filter(Q(name__in=names) | Q(lowered__in={name.lower() for name in names}))
        .select_related("project")
    )
    found: dict[tuple[str, str], Dashboard] = {}
    for row in rows:
        found.setdefault((row.scope, row.lowered), row)
        found[(row.scope, row.name)] = row
    return found


def _mark_unchanged(steps: list[_Step]) -> None:
    """A matched dashboard whose content already is the document's: nothing to do."""
    targets = [step.target for step in steps if step.target is not None]
    widgets: dict[uuid.UUID, list[Widget]] = {t.pk: [] for t in targets}
    for widget in Widget.objects.filter(dashboard__in=targets).order_by(
        "dashboard_id", "position", "id"
    ):
        widgets[widget.dashboard_id].append(widget)
    for step in steps:
        if step.target is None:
            continue
        wanted = spec_document(step.spec)
        current = dashboard_document(step.target, widgets[step.target.pk])
        if wanted is not None and json_equal(current, wanted):
            step.action = "unchanged"


def _name_renamed(actor: Any, project: Project, steps: list[_Step]) -> None:
    """`rename`: a copy named "<name> (2)", "(3)", ... free in the namespace of its scope
    (existing names and the names this import writes)."""
    renamed = [step for step in steps if step.action == "renamed"]
    if not renamed:
        return
    taken = {
        scope: names_taken(project, scope, actor, [s.spec.name for s in renamed])
        for scope in {step.spec.scope for step in renamed}
    }
    for step in steps:
        if step.action in {"created", "updated"}:
            taken.get(step.spec.scope, set()).add(step.spec.name.lower())
    for step in renamed:
        step.name = free_name(step.spec.name, taken[step.spec.scope], first=2)
        taken[step.spec.scope].add(step.name.lower())


def _choose_ids(project: Project, steps: list[_Step], taken: set[uuid.UUID]) -> None:
    """A created dashboard keeps its uid when no dashboard anywhere has it; otherwise it
    gets an id derived from the project and the document (the same in a dry run)."""
    pending = []
    for step in steps:
        if step.action not in {"created", "renamed"}:
            continue
        if step.uid is not None and step.uid not in taken:
            step.id = step.uid
        else:
            pending.append(step)
    for attempt in range(_RETRIES):
        if not pending:
            return
        for step in pending:
            key = f"{project.pk}:{step.uid or ''}:{step.spec.scope}:{step.name.lower()}"
            step.id = uuid.uuid5(IMPORT_ID_NAMESPACE, f"{key}:{attempt}" if attempt else key)
        used = set(
            Dashboard.objects.filter(pk__in=[s.id for s in pending]).values_list("pk", flat=True)
        )
        pending = [step for step in pending if step.id in used]
    for step in pending:
        step.id = uuid.uuid4()  # five derived ids taken: only a real run can get here twice


def _carry_out(actor: Any, project: Project, step: _Step, message: str) -> ImportOutcome:
    if step.action == "unchanged":
        assert step.target is not None
        return ImportOutcome(step.index, "unchanged", step.target.pk, step.target.name)
    if step.action == "updated":
        assert step.target is not None
        saved = dashboard_save(actor=actor, spec=step.spec, dashboard=step.target, message=message)
        return ImportOutcome(step.index, "updated", saved.pk, saved.name)
    saved = dashboard_save(
        actor=actor,
        spec=replace(step.spec, name=step.name),
        project=project,
        id=step.id,
        message=message,
    )
    if step.action == "renamed":
        return ImportOutcome(step.index, "renamed", saved.pk, saved.name, step.spec.name)
    return ImportOutcome(step.index, "created", saved.pk, saved.name)


def _at(error: DomainError, where: str) -> DomainError:
    """The same error, its details named under the document it is about."""
    details: dict[str, Any] = {}
    if isinstance(error.details, dict) and error.details:
        for key, value in error.details.items():
            if key in {"non_field_errors", "body"}:
                details[where] = value
                continue
            head, sep, rest = key.partition(".")
            head = MODEL_TO_DOCUMENT.get(head, head)
            details[f"{where}.{head}{sep}{rest}"] = value
    else:
        details[where] = [error.message]
    message = first_detail(details) or f"{where}: {error.message}"
    return type(error)(message, details=details, code=error.code)


# --- Names ------------------------------------------------------------------------------


def with_suffix(base: str, suffix: str) -> str:
    """`base` + `suffix`, the base shortened so that the name fits its column."""
    return base[: NAME_MAX_LENGTH - len(suffix)].rstrip() + suffix


def free_name(base: str, taken: Iterable[str], *, first: int) -> str:
    """The first of `base`, `base (2)`, `base (3)`, ... (from the `first`th) whose lower
    case is not in `taken` (lower-cased names)."""
    taken = set(taken)
    number = first
    while True:
        candidate = with_suffix(base, "" if number == 1 else f" ({number})")
        if candidate.lower() not in taken:
            return candidate
        number += 1


def names_taken(project: Project, scope: str, owner: Any, bases: Iterable[str]) -> set[str]:
    """Lower-cased names that start like one of `bases` in the namespace a dashboard of
    `scope` owned by `owner` would live in (docs/duplicate-names.md). One query."""
    queryset = Dashboard.objects.filter(project=project, scope=scope)
    if scope == Scope.USER:
        queryset = queryset.filter(owner=owner)
    starts = Q()
    for base in set(bases):
        starts |= Q(name__istartswith=base[: NAME_MAX_LENGTH - 12])
    return {name.lower() for name in queryset.filter(starts).values_list("name", flat=True)}


# --- Duplicate --------------------------------------------------------------------------


def dashboard_duplicate(
    *,
    actor: Any,
    source: Dashboard,
    name: Any = None,
    project: Project | None = None,
    scope: Any = None,
    message: Any = "",
) -> Dashboard:
    """A copy of `source` (which the actor may see) in `project` (the source's when None):
    widgets with their ids and configs, no assignments. Without a `name` it is "Copy of
    X", then "Copy of X (2)", ... whichever is free; `scope` defaults to the source's.
    Version 1's message names the source and the version copied."""
    if not permissions.can_view_dashboard(actor, source):
        raise DashboardNotFound()
    target = project or source.project
    note = clean_message(message)
    widgets = list(source.widgets.order_by("position", "id"))
    spec = DashboardSpec.from_document(dashboard_document(source, widgets))
    spec = replace(spec, scope=source.scope if scope is None else scope)
    origin = f"Duplicated from '{source.name}' ({source.pk}) at version {source.version}."
    full_message = f"{note} ({origin})" if note else origin
    if name is not None:
        return dashboard_save(
            actor=actor, spec=replace(spec, name=name), project=target, message=full_message
        )
    base = with_suffix(f"Copy of {source.name}", "")
    for attempt in range(_RETRIES):
        if spec.scope in Scope.values:
            taken = names_taken(target, spec.scope, actor, [base])
        else:
            taken = set()  # dashboard_save refuses the scope
        try:
            return dashboard_save(
                actor=actor,
                spec=replace(spec, name=free_name(base, taken, first=1)),
                project=target,
                message=full_message,
            )
        except DuplicateDashboard:
            # Another copy took the name between the look and the write: look again.
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")
