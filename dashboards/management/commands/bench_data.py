"""`manage.py bench_data --dashboards N`: the dashboards of the list benchmarks.

The data set and how it is made are in `dashboards.benchdata` (SQL generation, left as the
services would leave it). Progress goes to stderr, a JSON summary to stdout.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dashboards import benchdata


class Command(BaseCommand):
    help = "Build benchmark dashboards by SQL generation (replaces an earlier run's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dashboards", type=int, default=1000, help="Dashboards of the user `bench`."
        )
        parser.add_argument(
            "--other",
            type=int,
            default=1000,
            help="Dashboards `bench-other` sees in the same table (own, shared, assigned).",
        )
        parser.add_argument("--password", default=None, help="Password of the bench users.")

    def handle(self, *args: Any, **options: Any) -> None:
        bench = benchdata.generate_dashboards(
            count=options["dashboards"],
            other=options["other"],
            password=options["password"],
            out=self.stderr,
        )
        self.stdout.write(json.dumps(bench.summary()))
