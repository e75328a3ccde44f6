"""Bench data shaped like the floor's (../shared/floor/seed.sql): 1,000 dashboards of one
user, every 5th name contains 'sales', every 2nd has 5 text widgets — made by
`dashboards.benchdata` (`manage.py bench_data`), so stored widget counts and list versions
are as the services leave them — plus one dashboard with a kpi widget over 1,000 points of
`revenue`, for the widget-data reads. Prints, one per line: a JWT of the user, the id of
the first dashboard, the id of the kpi dashboard and its widget's id."""

import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboards import benchdata, metrics, services  # noqa: E402
from dashboards.models import Dashboard, Project  # noqa: E402
from users.tokens import ClaimsRefreshToken  # noqa: E402

KPI_NAME = "Hot widget"


def main() -> None:
    if not Dashboard.objects.filter(owner__username="bench").exists():
        benchdata.generate_dashboards(count=1000, other=0)
    user = get_user_model().objects.get(username="bench")
    project = Project.objects.get(owner=user, name="Bench")
    kpi = Dashboard.objects.filter(owner=user, name=KPI_NAME).first()
    if kpi is None:
        kpi = services.dashboard_create(
            user=user,
            project=project,
            name=KPI_NAME,
            widgets=[
                {
                    "id": "revenue",
                    "type": "kpi",
                    "title": "Revenue, 30 days",
                    "config": {"metric": "revenue", "aggregation": "sum", "days": 30},
                }
            ],
        )
        now = timezone.now()
        points = [
            {
                "metric": "revenue",
                "timestamp": (now - timedelta(hours=i)).isoformat(),
                "value": float(i % 100),
            }
            for i in range(1000)
        ]
        metrics.metrics_ingest(project=project, user=user, body={"points": points})
    # The token a client gets from /api/auth/token/ (with claims), valid for the whole run.
    token = ClaimsRefreshToken.for_user(user).access_token
    token.set_exp(lifetime=timedelta(hours=2))
    print(token)
    print(benchdata.bench_uuid(0))
    print(kpi.pk)
    print("revenue")


if __name__ == "__main__":
    main()
