"""20 writers at once through the API (PostgreSQL): every 2xx answer is exactly one
version, numbers have no gaps, and each answer's ETag names the version it made."""

import pytest
from django.db import connection

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion
from tests.conftest import bearer_client
from tests.dashboards.test_concurrency import run_together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises write transactions; concurrent writers need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 20


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_writers_make_one_version_per_success_without_gaps(alice, dave, project, round_):
    board = services.dashboard_create(
        user=alice, project=project, scope="project", name=f"Busy {round_}"
    )
    clients = [bearer_client(alice if n % 2 else dave) for n in range(WRITERS)]
    url = f"/api/dashboards/{board.pk}"

    def write(n: int):
        headers = {}
        if n % 4 == 0:  # a quarter edit version 1: at most one of them can win
            headers["HTTP_IF_MATCH"] = f'"{board.pk}-v1"'
        body = {"description": f"writer {n}", "message": f"m{n}"}
        return clients[n].patch(url, body, format="json", **headers)

    responses = run_together(*[lambda n=n: write(n) for n in range(WRITERS)])
    assert not [r for r in responses if isinstance(r, Exception)], responses
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 412}, statuses
    successes = [r for r in responses if r.status_code == 200]
    board.refresh_from_db()
    numbers = list(
        DashboardVersion.objects.filter(dashboard=board)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == list(range(1, len(successes) + 2))  # version 1 is the create
    assert board.version == len(successes) + 1
    # Each success answered the version it made, and that version holds its write.
    made = {r["ETag"] for r in successes}
    assert len(made) == len(successes)
    for response in successes:
        number = response.json()["version"]
        version = DashboardVersion.objects.get(dashboard=board, number=number)
        assert response["ETag"] == f'"{board.pk}-v{number}"'
        assert version.message == f"m{version.document['description'].split()[-1]}"
    Dashboard.objects.filter(pk=board.pk).delete()
