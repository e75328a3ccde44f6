"""Bench data shaped like the floor's (../shared/floor/seed.sql): 1,000 dashboards of one
user, every 5th name contains 'sales', every 2nd has 5 text widgets. Prints a JWT for the
user and the id of the first dashboard, one per line."""

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

from dashboards import services  # noqa: E402
from dashboards.models import Dashboard, Widget  # noqa: E402
from users.tokens import ClaimsRefreshToken  # noqa: E402

NAMES = ["regional sales", "marketing funnel", "ops latency", "finance ledger", "hr headcount"]


def main() -> None:
    user, _ = get_user_model().objects.get_or_create(username="bench")
    project = services.project_get_personal(user=user)
    if not Dashboard.objects.filter(owner=user).exists():
        now = timezone.now()
        dashboards = [
            Dashboard(
                project=project,
                owner=user,
                name=f"{NAMES[(i + 1) % 5]} dashboard {i:04d}",
                description=f"bench dashboard {i}",
                type="custom",
                refresh_interval=60,
            )
            for i in range(1000)
        ]
        Dashboard.objects.bulk_create(dashboards)
        # Spread created_at like the floor (one a minute), so ordering is realistic.
        for i, dashboard in enumerate(dashboards):
            dashboard.created_at = now - timedelta(minutes=1000 - i)
        Dashboard.objects.bulk_update(dashboards, ["created_at"])
        widgets = [
            Widget(
                dashboard=dashboards[i],
                key=f"w{k}",
                type="text",
                title=f"Widget {k}",
                size="medium",
                position=k,
                config={"markdown": f"## Widget {k}\n\nSome *markdown* text for dashboard {i}."},
            )
            for i in range(0, 1000, 2)
            for k in range(5)
        ]
        Widget.objects.bulk_create(widgets)
    first = Dashboard.objects.filter(owner=user).order_by("created_at", "id").first()
    # The token a client gets from /api/auth/token/ (with claims), valid for the whole run.
    token = ClaimsRefreshToken.for_user(user).access_token
    token.set_exp(lifetime=timedelta(hours=2))
    print(token)
    print(first.pk)


if __name__ == "__main__":
    main()
