"""Tokens for bench/lists.py, for the database in DATABASE_URL and the key in SECRET_KEY:
JWTs of `bench` and `bench-other`, and the `$skiptoken` / v1 `cursor` that continue after
bench's middle dashboard (oldest first), as a client that followed nextLink there holds.
Prints one JSON object."""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from dashboards import paging  # noqa: E402
from dashboards.api import cursors  # noqa: E402
from dashboards.api.analytics import odata  # noqa: E402
from dashboards.api.v1 import views as v1  # noqa: E402
from dashboards.models import Dashboard  # noqa: E402
from users.tokens import ClaimsRefreshToken  # noqa: E402


def access(username: str) -> str:
    token = ClaimsRefreshToken.for_user(get_user_model().objects.get(username=username))
    access_token = token.access_token
    access_token.set_exp(lifetime=timedelta(hours=3))
    return str(access_token)


def main() -> None:
    bench = get_user_model().objects.get(username="bench")
    owned = Dashboard.objects.filter(owner=bench)
    order = odata.DEFAULT_ORDER
    middle = owned.order_by(*order).values(*order)[owned.count() // 2]
    values = paging.sort_values(middle, order)
    print(
        json.dumps(
            {
                "bench": access("bench"),
                "other": access("bench-other"),
                "dashboards": owned.count(),
                "skiptoken": cursors.encode(
                    salt=odata.SKIPTOKEN_SALT, order=order, values=values, query=""
                ),
                # v1's default list: scope=user, no filters (views.dashboard_page's name).
                "cursor": cursors.encode(
                    salt=v1.CURSOR_SALT,
                    order=v1.DASHBOARD_LIST_ORDER,
                    values=values,
                    query="v1:dashboards:*:user:{}",
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
