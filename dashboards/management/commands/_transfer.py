"""What the export and import commands share: the project, the user they act as, progress."""

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dashboards.files import is_uuid
from dashboards.models import Project

# Runs this long get a progress bar (on stderr); shorter ones finish before it would help.
PROGRESS_FROM = 100


def add_common_arguments(parser: Any) -> None:
    parser.add_argument("--project", required=True, help="The project's id or exact name.")
    parser.add_argument(
        "--user",
        help="Act as this user (username), with their permissions. Default: the project's owner.",
    )
    parser.add_argument(
        "--progress",
        action="store_true",
        help=f"Show a progress bar even for fewer than {PROGRESS_FROM} dashboards.",
    )


def project_and_user(options: dict[str, Any]) -> tuple[Project, Any]:
    value = options["project"]
    projects = Project.objects.select_related("owner")
    found = list(
        projects.filter(pk=value) if is_uuid(value) else projects.filter(name__iexact=value)[:2]
    )
    if len(found) != 1:
        problem = "No project" if not found else "More than one project"
        raise CommandError(f"{problem} matches {value!r}; give the project's id.")
    project = found[0]
    if not options.get("user"):
        return project, project.owner
    user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {options['user']!r}.")
    return project, user


def progress_bar(command: BaseCommand, total: int, options: dict[str, Any], what: str) -> tqdm:
    """A bar on the command's stderr (the raw stream: Django's wrapper would end every
    redraw with a newline)."""
    return tqdm(
        total=total,
        desc=what,
        unit="dashboard",
        file=getattr(command.stderr, "_out", sys.stderr),
        disable=total < PROGRESS_FROM and not options.get("progress"),
    )
