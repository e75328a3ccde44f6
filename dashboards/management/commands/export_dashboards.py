"""`manage.py export_dashboards --project P --out DIR`: one file per dashboard, stable.

Exports what the user it acts as may see (default: the project's owner, who sees every
shared dashboard and their own private ones), streamed from the database like the API's
project export. Files whose text did not change are not rewritten; files of dashboards no
longer there are removed, so the directory mirrors the project (dashboards/files.py).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from dashboards import permissions, selectors
from dashboards.files import write_directory
from dashboards.management.commands._transfer import (
    add_common_arguments,
    progress_bar,
    project_and_user,
)


class Command(BaseCommand):
    help = "Export a project's dashboards to a directory, one JSON file per dashboard."

    def add_arguments(self, parser: Any) -> None:
        add_common_arguments(parser)
        parser.add_argument("--out", required=True, type=Path, help="The directory to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        project, user = project_and_user(options)
        total = permissions.visible_dashboards(user).filter(project=project).count()
        bar = progress_bar(self, total, options, "Exporting")

        def counted() -> Any:
            for document in selectors.project_export_documents(user=user, project=project):
                yield document
                bar.update(1)

        with bar:
            report = write_directory(Path(options["out"]), counted())
        exported = len(report.written) + len(report.unchanged)
        self.stdout.write(
            f"Exported {exported} dashboards of project '{project.name}' ({project.pk}) as "
            f"{user.get_username()} to {options['out']}: {len(report.written)} written, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed."
        )
        for name in report.written:
            self.stdout.write(f"  written    {name}")
        for name in report.removed:
            self.stdout.write(f"  removed    {name}")
