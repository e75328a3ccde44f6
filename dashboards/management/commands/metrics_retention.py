"""`manage.py metrics_retention [--days N]`: drop metric points older than the retention.

Whole UTC days go, points and rollups together, so the rollups stay equal to the points
that remain; the series whose data changed get a new version (cached widget data and ETags
follow). The default is settings.METRICS_RETENTION_DAYS; without it (and without --days)
the command refuses to guess.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboards import rollups
from ops.database import lift_statement_timeout


class Command(BaseCommand):
    help = "Delete metric points (and their rollups) older than the retention, in whole UTC days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days before today (default: METRICS_RETENTION_DAYS).",
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        lift_statement_timeout()
        days = days if days is not None else getattr(settings, "METRICS_RETENTION_DAYS", None)
        if days is None:
            raise CommandError("Give --days or set METRICS_RETENTION_DAYS.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted = rollups.drop_before(cutoff)
        self.stdout.write(
            f"Deleted {deleted['points']} points and {deleted['rollups']} rollup rows "
            f"before {cutoff:%Y-%m-%d} (UTC)."
        )
