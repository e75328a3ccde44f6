"""`Idempotency-Key` on every POST that creates (idempotency/decorators.py), both families."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import Dashboard, MetricPoint, Project, ProjectMembership, UserDashboard
from idempotency.decorators import idempotent
from idempotency.models import IdempotencyKey
from tests.factories import DashboardFactory, UserFactory

pytestmark = pytest.mark.django_db

CREATE = {"name": "Revenue", "type": "sales", "widgets": [], "refreshInterval": 60}


def key() -> str:
    return str(uuid.uuid4())


def create(client, body=None, idem=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": idem} if idem is not None else {}
    return client.post("/api/dashboards", body or CREATE, format="json", **headers)


def test_same_key_and_body_replays_the_first_answer_without_writing_again(client_for, alice):
    client = client_for(alice)
    k = key()
    first = create(client, idem=k)
    second = create(client, idem=k)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == first["Location"]
    assert second["ETag"] == first["ETag"]
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Dashboard.objects.filter(owner=alice).count() == 1


def test_without_a_key_a_second_create_is_a_duplicate(client_for, alice):
    client = client_for(alice)
    assert create(client).status_code == 201
    response = create(client)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "DUPLICATE_DASHBOARD"
    assert not IdempotencyKey.objects.exists()


def test_same_key_with_another_body_is_422_and_writes_nothing(client_for, alice):
    client = client_for(alice)
    k = key()
    assert create(client, idem=k).status_code == 201
    response = create(client, {**CREATE, "name": "Costs"}, idem=k)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert list(Dashboard.objects.values_list("name", flat=True)) == ["Revenue"]


def test_keys_are_per_user(client_for, alice, bob):
    k = key()
    assert create(client_for(alice), idem=k).status_code == 201
    response = create(client_for(bob), idem=k)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Dashboard.objects.count() == 2


def test_keys_are_per_route(client_for, alice, project):
    client = client_for(alice)
    k = key()
    assert create(client, idem=k).status_code == 201
    response = client.post(
        "/api/v1/projects/save",
        {"project": {"name": "Other"}},
        format="json",
        HTTP_IDEMPOTENCY_KEY=k,
    )
    assert response.status_code == 201
    assert Project.objects.filter(name="Other").exists()


def test_a_failed_write_leaves_the_key_unused(client_for, alice):
    client = client_for(alice)
    k = key()
    bad = create(client, {**CREATE, "widgets": [{"id": "w", "type": "nope", "title": "x"}]}, k)
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    # The client fixes the body and retries with the same key: it runs.
    assert create(client, idem=k).status_code == 201


def test_a_crash_after_the_write_rolls_back_the_write_and_the_key(client_for, alice, monkeypatch):
    # A crash before the commit (here: storing the answer fails) must leave neither the
    # dashboard nor the key, so that the retry creates it once.
    from idempotency import decorators

    def crash(**kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(decorators, "_store", crash)
    client = client_for(alice)
    client.raise_request_exception = False
    k = key()
    assert create(client, idem=k).status_code == 500
    assert not Dashboard.objects.exists()
    assert not IdempotencyKey.objects.exists()
    monkeypatch.undo()
    assert create(client, idem=k).status_code == 201
    assert Dashboard.objects.count() == 1


@pytest.mark.parametrize(
    "bad", ["", " ", "a" * 256, "has space", "semi;colon", "ünïcode", '"unbalanced']
)
def test_malformed_keys_are_400_in_each_family(client_for, alice, project, bad):
    client = client_for(alice)
    response = create(client, idem=bad)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "Idempotency-Key" in response.json()["error"]["details"]
    v1 = client.post(
        "/api/v1/projects/save", {"project": {"name": "X"}}, format="json", HTTP_IDEMPOTENCY_KEY=bad
    )
    assert v1.status_code == 400
    assert v1.json()["status"] == "error"
    assert v1.json()["code"] == "VALIDATION_ERROR"
    assert not Dashboard.objects.exists()
    assert not Project.objects.filter(name="X").exists()


def test_a_quoted_key_is_the_same_key(client_for, alice):
    client = client_for(alice)
    k = key()
    assert create(client, idem=k).status_code == 201
    assert create(client, idem=f'"{k}"')["Idempotent-Replayed"] == "true"


def test_an_expired_key_runs_again(client_for, alice):
    client = client_for(alice)
    k = key()
    assert create(client, idem=k).status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    Dashboard.objects.all().delete()
    response = create(client, idem=k)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Dashboard.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_purge_command_deletes_only_expired_keys(client_for, alice):
    client = client_for(alice)
    create(client, idem="old")
    create(client, {**CREATE, "name": "New"}, idem="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_idempotency_keys")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_v1_dashboard_save_replays_in_the_v1_envelope(client_for, alice, project):
    client = client_for(alice)
    k = key()
    body = {"scope": "user", "dashboard": {"name": "Ops", "definition": {"widgets": []}}}
    url = f"/api/v1/dashboards/{project.pk}/save"
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.json()["status"] == "success"
    assert second["Location"] == first["Location"]
    assert Dashboard.objects.filter(name="Ops").count() == 1
    other = client.post(
        url,
        {**body, "dashboard": {"name": "Ops 2", "definition": {}}},
        format="json",
        HTTP_IDEMPOTENCY_KEY=k,
    )
    assert other.status_code == 422
    assert other.json() == {
        "data": None,
        "message": other.json()["message"],
        "status": "error",
        "code": "IDEMPOTENCY_KEY_REUSED",
    }


def test_same_key_on_another_project_path_is_422(client_for, alice, project):
    client = client_for(alice)
    other_project = Project.objects.create(owner=alice, name="Second")
    k = key()
    body = {"scope": "user", "dashboard": {"name": "Ops", "definition": {}}}
    url = "/api/v1/dashboards/{}/save"
    assert (
        client.post(url.format(project.pk), body, format="json", HTTP_IDEMPOTENCY_KEY=k).status_code
        == 201
    )
    response = client.post(
        url.format(other_project.pk), body, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert response.status_code == 422
    assert not Dashboard.objects.filter(project=other_project).exists()


def test_member_add_and_assign_and_ingest_replay(client_for, alice, project, charlie):
    client = client_for(alice)
    k = key()
    url = f"/api/v1/projects/{project.pk}/members"
    body = {"user_id": charlie.pk, "role": "viewer"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == 200
    # Changed meanwhile by someone else: the replay is the first answer, not a new write.
    ProjectMembership.objects.filter(project=project, user=charlie).update(role="editor")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert second.json() == first.json()
    assert ProjectMembership.objects.get(project=project, user=charlie).role == "editor"

    dashboard = DashboardFactory(owner=alice, project=project, scope="project")
    assign = {"dashboardId": str(dashboard.pk), "isDefault": True}
    a1 = client.post(
        f"/api/users/{alice.pk}/dashboards", assign, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    a2 = client.post(
        f"/api/users/{alice.pk}/dashboards", assign, format="json", HTTP_IDEMPOTENCY_KEY=k
    )
    assert a1.status_code == a2.status_code == 201
    assert a2["Idempotent-Replayed"] == "true"
    assert UserDashboard.objects.filter(user=alice).count() == 1

    points = {"points": [{"metric": "revenue", "timestamp": "2026-01-03T10:00:00Z", "value": 1}]}
    ingest = f"/api/projects/{project.pk}/metrics"
    i1 = client.post(ingest, points, format="json", HTTP_IDEMPOTENCY_KEY=k)
    MetricPoint.objects.update(value=7)
    i2 = client.post(ingest, points, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert i1.json() == i2.json() == {"accepted": 1}
    assert MetricPoint.objects.get().value == 7  # not written again


def test_a_secret_shown_once_is_never_replayed(rf, alice):
    # The hook later routes use (a share link's token): `redact` decides what is stored.
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class TokenView(APIView):
        @idempotent(redact=lambda data: {**data, "token": None})
        def post(self, request):
            return Response({"id": 1, "token": uuid.uuid4().hex}, status=201)

    from django.urls import ResolverMatch

    def call(k):
        request = rf.post("/api/share", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=k)
        request.resolver_match = ResolverMatch(TokenView.as_view(), (), {}, url_name="share")
        from rest_framework.test import force_authenticate

        force_authenticate(request, user=alice)
        response = TokenView.as_view()(request)
        response.render()
        return response

    first = call("k1")
    second = call("k1")
    assert first.data["token"]
    assert second.data == {"id": 1, "token": None}
    assert second["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.get().response_body == {"id": 1, "token": None}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_key_whose_first_request_still_runs_is_409(client_for, alice):
    # The first request holds the key's lock in an open transaction (as a slow create
    # would); a second request with the key is refused at once rather than waiting.
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    from idempotency import decorators

    started, release = threading.Event(), threading.Event()
    k = key()
    user = UserFactory(username="racer")

    def first():
        from django.db import connections

        with transaction.atomic():
            decorators._lock(user.pk, "POST analytics:dashboard-list", k)
            started.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(10)
        response = create(client_for(user), idem=k)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        assert not Dashboard.objects.filter(owner=user).exists()
    finally:
        release.set()
        thread.join()
    assert create(client_for(user), idem=k).status_code == 201


def test_duplicate_and_import_take_the_key_too(client_for, alice, project):
    client = client_for(alice)
    source = DashboardFactory(owner=alice, project=project, name="Source")
    k = key()
    url = f"/api/dashboards/{source.pk}/duplicate"
    first = client.post(url, {"name": "Copy"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    second = client.post(url, {"name": "Copy"}, format="json", HTTP_IDEMPOTENCY_KEY=k)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Dashboard.objects.filter(name="Copy").count() == 1
    v1 = f"/api/v1/dashboards/{project.pk}/{source.pk}/duplicate"
    other = client.post(v1, {"name": "Copy"}, format="json", HTTP_IDEMPOTENCY_KEY="bad key")
    assert other.status_code == 400
    assert other.json()["code"] == "VALIDATION_ERROR"
