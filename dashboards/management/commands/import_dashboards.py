"""`manage.py import_dashboards DIR --project P [--dry-run] [--on-conflict ...]`.

Reads every `*.json` file of DIR (one dashboard each, as export_dashboards writes them,
or whole project exports) in file name order and imports them through the same service as
the API: one transaction, all or nothing, versions recorded. Prints the plan (a dry run
writes nothing), and a progress bar on long runs. Errors name the file.
"""

import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dashboards import services
from dashboards.exceptions import DomainError
from dashboards.files import FileError, Source, read_directory
from dashboards.management.commands._transfer import (
    add_common_arguments,
    progress_bar,
    project_and_user,
)
from dashboards.services.transfer import ON_CONFLICT, ImportResult

_INDEX = re.compile(r"dashboards\[(\d+)\]")


class Command(BaseCommand):
    help = "Import dashboards from a directory of JSON export files into a project."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path)
        add_common_arguments(parser)
        parser.add_argument(
            "--on-conflict",
            choices=ON_CONFLICT,
            default="fail",
            help="A dashboard that exists with other content: fail (default), overwrite it, "
            "or import a renamed copy.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print the plan only.")
        parser.add_argument("--message", default="", help="The note the new versions keep.")

    def handle(self, *args: Any, **options: Any) -> None:
        project, user = project_and_user(options)
        try:
            schema_version, documents, sources = read_directory(Path(options["directory"]))
        except FileError as error:
            raise CommandError(str(error)) from None
        bar = progress_bar(self, len(documents), options, "Importing")
        try:
            with bar:
                result = services.dashboards_import(
                    actor=user,
                    project=project,
                    schema_version=schema_version,
                    documents=documents,
                    on_conflict=options["on_conflict"],
                    dry_run=options["dry_run"],
                    message=options["message"],
                    max_dashboards=None,  # files are not a request: no size limit
                    progress=lambda done: bar.update(done - bar.n),
                )
        except DomainError as error:
            raise CommandError(describe(error, sources)) from None
        self.print_plan(result, project, sources)

    def print_plan(self, result: ImportResult, project: Any, sources: list[Source]) -> None:
        title = "Plan for" if result.dry_run else "Imported into"
        suffix = " (dry run: nothing written)" if result.dry_run else ""
        self.stdout.write(f"{title} project '{project.name}' ({project.pk}){suffix}:")
        for outcome in result.outcomes:
            name = outcome.name
            if outcome.renamed_from is not None:
                name = f"{outcome.renamed_from} -> {outcome.name}"
            source = sources[outcome.index]
            where = source.file if source.index is None else f"{source.file}[{source.index}]"
            self.stdout.write(f"  {outcome.action:<10} {name}  {outcome.id}  {where}")
        counts = ", ".join(
            f"{len(result.of(action))} {action}"
            for action in ("created", "updated", "unchanged", "renamed")
        )
        self.stdout.write(f"{len(result.outcomes)} dashboards: {counts}.")


def describe(error: DomainError, sources: list[Source]) -> str:
    """The service's error, each `dashboards[i]` followed by the file it came from."""

    def name(match: re.Match) -> str:
        index = int(match.group(1))
        if index >= len(sources):
            return match.group(0)
        source = sources[index]
        where = source.file if source.index is None else f"{source.file}, item {source.index}"
        return f"{match.group(0)} ({where})"

    lines = [_INDEX.sub(name, error.message)]
    if isinstance(error.details, dict) and len(error.details) > 1:
        for key, messages in error.details.items():
            text = messages[0] if isinstance(messages, list) and messages else messages
            lines.append(f"  {_INDEX.sub(name, key)}: {text}")
    return "\n".join(lines)
