"""Demo data: users, two projects, the sources' dashboards and a year of metrics.

Idempotent: running it again updates what exists and adds what is missing. Prints each
step and the demo accounts' password.
"""

import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from dashboards import metrics, services
from dashboards.models import Dashboard, Project, Role

DEFAULT_PASSWORD = "dashboards-demo"  # noqa: S105 - demo accounts on a local SQLite file
REGIONS = ["north", "south", "east", "west"]
# Each region's share of the subscriptions (they are counted per region, summed by `last`).
SUBSCRIPTION_SHARES = [0.4, 0.3, 0.2, 0.1]


def demo_variables(time_range_default: str | None) -> list[dict[str, Any]]:
    """A time range and a region filter: the pickers the live page shows
    (docs/variables.md)."""
    return [
        {
            "name": "timeRange",
            "type": "timeRange",
            "label": "Period",
            "default": time_range_default,
        },
        {
            "name": "region",
            "type": "dimension",
            "label": "Region",
            "dimension": "region",
            "default": None,
            "options": REGIONS,
        },
    ]


EXECUTIVE_WIDGETS = [
    {"id": "widget_1", "type": "revenue_chart", "title": "Monthly Revenue", "size": "large"},
    {
        "id": "widget_2",
        "type": "active_subscriptions",
        "title": "Active Subscriptions",
        "size": "small",
    },
    {
        "id": "widget_3",
        "type": "kpi",
        "title": "Revenue, last 30 days",
        "size": "small",
        "config": {"metric": "revenue", "aggregation": "sum", "days": 30, "unit": "USD"},
    },
    {
        "id": "widget_4",
        "type": "line_chart",
        "title": "Daily signups",
        "size": "full",
        "config": {"metric": "signups", "groupBy": "day", "days": 60},
    },
]
SALES_WIDGETS = [
    {
        "id": "deals_by_region",
        "type": "bar_chart",
        "title": "Deals by region",
        "size": "medium",
        "config": {"metric": "deals", "groupBy": "dimension", "dimension": "region"},
    },
    {
        "id": "region_share",
        "type": "pie_chart",
        "title": "Share of deals",
        "size": "medium",
        "config": {"metric": "deals", "dimension": "region"},
    },
    {
        "id": "deals_monthly",
        "type": "table",
        "title": "Deals per month",
        "size": "large",
        "config": {"metric": "deals", "groupBy": "month", "days": 365},
    },
    {
        "id": "notes",
        "type": "text",
        "title": "Notes",
        "size": "full",
        "config": {"markdown": "## Sales\nFigures are **closed deals**, counted daily."},
    },
]


class Command(BaseCommand):
    help = "Create or refresh the demo users, projects, dashboards and a year of metrics."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=365, help="Days of metric history.")

    def step(self, message: str) -> None:
        self.stdout.write(f"  • {message}")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD)
        self.stdout.write("Seeding demo data…")
        with transaction.atomic():
            users = self.seed_users(password)
            acme, sales = self.seed_projects(users)
            executive = self.seed_dashboard(
                users["alice"],
                acme,
                name="Executive Summary",
                description="Key metrics and KPIs",
                type="executive",
                refresh_interval=60,
                widgets=EXECUTIVE_WIDGETS,
                definition={
                    "layout": {"columns": 12},
                    "theme": "light",
                    # No default range: each widget keeps its own window until one is picked.
                    "variables": demo_variables(None),
                },
            )
            overview = self.seed_dashboard(
                users["carol"],
                sales,
                name="Sales Overview",
                description="Deals by region and month",
                type="sales",
                refresh_interval=300,
                widgets=SALES_WIDGETS,
                definition={
                    "filters": {"region": None},
                    "variables": demo_variables("last_90_days"),
                },
            )
            services.dashboard_assign(
                actor=users["admin"],
                user_id=users["alice"].pk,
                dashboard=executive,
                is_default=True,
            )
            services.dashboard_assign(
                actor=users["admin"], user_id=users["alice"].pk, dashboard=overview
            )
            self.step("assigned Executive Summary (default) and Sales Overview to alice")
        self.seed_metrics(users["admin"], acme, sales, days=options["days"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Log in at http://127.0.0.1:8000/admin/ as admin / {password} "
            f"(also alice, bob, carol with the same password)."
        )

    def seed_users(self, password: str) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for username, staff in [
            ("admin", True),
            ("alice", False),
            ("bob", False),
            ("carol", False),
        ]:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.is_staff = user.is_superuser = staff
            user.set_password(password)
            user.save()
            users[username] = user
            self.step(f"user {username} {'created' if created else 'updated'}")
        return users

    def seed_projects(self, users: dict[str, Any]) -> tuple[Project, Project]:
        acme = self.project(users["alice"], "Acme Analytics", "Company-wide revenue metrics.")
        sales = self.project(users["carol"], "Sales Team", "Pipeline and closed deals.")
        for project, user, role in [
            (acme, users["bob"], Role.VIEWER),
            (acme, users["carol"], Role.EDITOR),
            (sales, users["alice"], Role.ADMIN),
            (sales, users["bob"], Role.VIEWER),
        ]:
            services.membership_set(
                project=project, actor=project.owner, user_id=user.pk, role=role
            )
        self.step("projects Acme Analytics and Sales Team with their members")
        return acme, sales

    def project(self, owner: Any, name: str, description: str) -> Project:
        existing = Project.objects.filter(owner=owner, name=name, is_personal=False).first()
        if existing:
            return existing
        return services.project_create(user=owner, name=name, description=description)

    def seed_dashboard(self, owner: Any, project: Project, **fields: Any) -> Dashboard:
        existing = Dashboard.objects.filter(
            project=project, name=fields["name"], scope="project"
        ).first()
        if existing is None:
            dashboard = services.dashboard_create(
                user=owner, project=project, scope="project", **fields
            )
            self.step(f"dashboard {fields['name']} created")
        else:
            dashboard = services.dashboard_update(
                dashboard=existing, user=owner, **{k: v for k, v in fields.items() if k != "name"}
            )
            self.step(f"dashboard {fields['name']} refreshed")
        return dashboard

    def seed_metrics(self, owner: Any, acme: Project, sales: Project, *, days: int) -> None:
        """Through the ingestion service: same validation, and cached data is invalidated."""
        rng = random.Random(42)  # noqa: S311 - same numbers every run: idempotent
        today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
        acme_points: list[dict[str, Any]] = []
        sales_points: list[dict[str, Any]] = []
        subscriptions = 900.0
        for offset in range(days, -1, -1):
            moment = (today - timedelta(days=offset)).isoformat()
            growth = 1 + (days - offset) / days
            subscriptions += rng.uniform(-2, 4)
            # A day's revenue and signups are booked in one region, in turn.
            region = {"region": REGIONS[offset % len(REGIONS)]}
            acme_points += [
                {
                    "metric": "revenue",
                    "timestamp": moment,
                    "value": round(rng.uniform(120, 220) * growth, 2),
                    "dimensions": region,
                },
                *(
                    {
                        "metric": "active_subscriptions",
                        "timestamp": moment,
                        "value": round(subscriptions * share),
                        "dimensions": {"region": name},
                    }
                    for name, share in zip(REGIONS, SUBSCRIPTION_SHARES, strict=True)
                ),
                {
                    "metric": "signups",
                    "timestamp": moment,
                    "value": rng.randint(5, 40),
                    "dimensions": region,
                },
            ]
            sales_points += [
                {
                    "metric": "deals",
                    "timestamp": moment,
                    "value": rng.randint(0, 12),
                    "dimensions": {"region": region},
                }
                for region in REGIONS
            ]
        for project, points in [(acme, acme_points), (sales, sales_points)]:
            for start in range(0, len(points), metrics.MAX_POINTS):
                batch = points[start : start + metrics.MAX_POINTS]
                metrics.metrics_ingest(project=project, user=owner, body={"points": batch})
            self.step(f"{len(points)} metric points in {project.name}")
