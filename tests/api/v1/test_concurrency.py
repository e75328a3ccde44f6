"""Concurrent saves of one client-chosen id: one creates, the others update or get 409,
never a 500 (the loser of the insert race becomes a domain Conflict)."""

import threading
import uuid

import pytest
from django.db import connection, connections

from dashboards.models import Dashboard
from tests.api.v1.conftest import V1
from tests.conftest import bearer_client
from tests.factories import ProjectFactory, UserFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_saves_of_one_new_id_never_fail():
    alice = UserFactory(username="alice")
    project = ProjectFactory(owner=alice)
    client_id = str(uuid.uuid4())
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def save(index: int) -> None:
        try:
            client = bearer_client(alice)
            body = {"dashboard": {"id": client_id, "name": "Race", "definition": {"n": index}}}
            barrier.wait()
            response = client.post(f"{V1}/dashboards/{project.pk}/save", body, format="json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(201) == 1
    assert set(statuses) <= {200, 201, 409}
    assert Dashboard.objects.filter(pk=client_id).count() == 1
