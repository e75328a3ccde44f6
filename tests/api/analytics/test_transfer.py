"""Family 1 transfer routes: export files, a streamed project export with fixed queries,
import (dry run, all or nothing, 16 MiB bodies on this route only), duplicate."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import services
from dashboards.models import Dashboard, DashboardVersion, Widget
from tests.api.analytics.conftest import API, error
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}
TEXT = {"id": "t", "type": "text", "title": "Hi", "size": "full", "config": {"markdown": "x"}}


@pytest.fixture
def shared(alice, project):
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Executive Summary",
        type="executive",
        refresh_interval=60,
        definition={"theme": "dark", "layout": {"columns": 2}},
        widgets=[TEXT, KPI],
    )


@pytest.fixture
def private(alice, project):
    return services.dashboard_create(user=alice, project=project, name="Alice's own")


def keys_sorted(text: str) -> bool:
    """Every object in the JSON text has its keys in sorted order."""
    ok = True

    def hook(pairs):
        nonlocal ok
        keys = [k for k, _ in pairs]
        ok = ok and keys == sorted(keys)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return ok


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- Export ----------------------------------------------------------------------------


def test_export_is_an_attachment_with_sorted_keys_and_no_owner_or_project(client_for, bob, shared):
    response = client_for(bob).get(f"{API}/dashboards/{shared.pk}/export")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="executive-summary.json"'
    text = body_of(response)
    assert keys_sorted(text)
    body = json.loads(text)
    assert body["schemaVersion"] == 1
    assert body["dashboard"] == {
        "uid": str(shared.pk),
        "name": "Executive Summary",
        "description": "",
        "type": "executive",
        "scope": "project",
        "refreshInterval": 60,
        "definition": {"layout": {"columns": 2}, "theme": "dark"},
        "widgets": [TEXT, KPI],
    }


def test_exporting_a_hidden_dashboard_is_404(client_for, charlie, shared):
    error(
        client_for(charlie).get(f"{API}/dashboards/{shared.pk}/export"), 404, "DASHBOARD_NOT_FOUND"
    )


def test_project_export_streams_what_the_caller_may_see(client_for, bob, project, shared, private):
    response = client_for(bob).get(f"{API}/projects/{project.pk}/export")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="analytics-dashboards.json"'
    text = body_of(response)
    assert keys_sorted(text)
    body = json.loads(text)
    assert body["schemaVersion"] == 1
    assert [d["uid"] for d in body["dashboards"]] == [str(shared.pk)]  # not alice's private one


def _bulk_dashboards(project, owner, count: int) -> None:
    """Rows straight into the tables (an export reads; no history needed)."""
    boards = Dashboard.objects.bulk_create(
        Dashboard(project=project, owner=owner, scope="project", name=f"Bulk {i:05}")
        for i in range(count)
    )
    Widget.objects.bulk_create(
        Widget(dashboard=b, key=f"w{n}", type="text", position=n, config={"markdown": "m"})
        for b in boards
        for n in range(2)
    )


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_project_export_costs_the_same_queries_whatever_its_size(
    request, client_for, alice, project, who
):
    client = client_for(request.getfixturevalue(who))
    counts = []
    for size in (3, 1200):
        Dashboard.objects.filter(project=project).delete()
        _bulk_dashboards(project, alice, size)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{API}/projects/{project.pk}/export")
            chunks = list(response.streaming_content)
        body = json.loads(b"".join(chunks))
        assert len(body["dashboards"]) == size
        assert all(len(d["widgets"]) == 2 for d in body["dashboards"])
        counts.append(len(captured.captured_queries))
    # The project, the dashboards, their widgets (+ a member's visibility needs no more).
    assert counts == [3, 3]
    assert len(chunks) > 2  # written as it is read, not built whole


def test_export_of_a_hidden_project_is_404(client_for, charlie, project):
    error(client_for(charlie).get(f"{API}/projects/{project.pk}/export"), 404, "PROJECT_NOT_FOUND")


# --- Import ----------------------------------------------------------------------------


def import_url(project) -> str:
    return f"{API}/projects/{project.pk}/import"


def test_export_then_import_through_the_api_round_trips(
    client_for, alice, project, shared, private
):
    client = client_for(alice)
    exported = json.loads(body_of(client.get(f"{API}/projects/{project.pk}/export")))
    target = ProjectFactory(owner=alice, name="Copy")
    response = client.post(import_url(target), exported, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["dryRun"] is False
    assert len(response.json()["created"]) == 2
    again = json.loads(body_of(client.get(f"{API}/projects/{target.pk}/export")))

    def strip(documents):
        return sorted(({**d, "uid": None} for d in documents), key=lambda d: d["name"])

    assert strip(again["dashboards"]) == strip(exported["dashboards"])


def test_import_after_delete_is_byte_identical(client_for, alice, project, shared, private):
    client = client_for(alice)
    before = body_of(client.get(f"{API}/projects/{project.pk}/export"))
    Dashboard.objects.filter(project=project).delete()
    response = client.post(import_url(project), json.loads(before), format="json")
    assert response.status_code == 200, response.content
    assert body_of(client.get(f"{API}/projects/{project.pk}/export")) == before


def test_a_dry_run_answers_the_plan_and_writes_nothing(client_for, alice, project, shared):
    client = client_for(alice)
    documents = [
        {"uid": str(shared.pk), "name": "Executive Summary", "scope": "project"},
        {"name": "Fresh", "widgets": [KPI]},
    ]
    body = {"schemaVersion": 1, "dashboards": documents, "onConflict": "rename", "dryRun": True}
    counts = (Dashboard.objects.count(), DashboardVersion.objects.count())
    plan = client.post(import_url(project), body, format="json")
    assert plan.status_code == 200, plan.content
    assert (Dashboard.objects.count(), DashboardVersion.objects.count()) == counts
    real = client.post(import_url(project), {**body, "dryRun": False}, format="json")
    assert {**plan.json(), "dryRun": False} == real.json()
    assert real.json()["renamed"][0]["from"] == "Executive Summary"
    assert real.json()["renamed"][0]["to"] == "Executive Summary (2)"
    assert real.json()["created"][0]["name"] == "Fresh"


def test_a_conflict_under_fail_is_409_naming_the_document(client_for, alice, project, shared):
    body = {
        "schemaVersion": 1,
        "dashboards": [{"name": "ok"}, {"uid": str(shared.pk), "name": "X"}],
    }
    found = error(
        client_for(alice).post(import_url(project), body, format="json"), 409, "DUPLICATE_DASHBOARD"
    )
    assert list(found["details"]) == ["dashboards[1]"]
    assert not Dashboard.objects.filter(name="ok").exists()


def test_a_bad_widget_at_index_7_is_400_naming_it_and_nothing_is_written(
    client_for, alice, project
):
    documents = [{"name": f"D{i}", "widgets": [KPI]} for i in range(10)]
    documents[7]["widgets"] = [KPI, {**KPI, "id": "k2", "type": "sparkline"}]
    body = {"schemaVersion": 1, "dashboards": documents}
    found = error(
        client_for(alice).post(import_url(project), body, format="json"), 400, "INVALID_WIDGET_TYPE"
    )
    assert "dashboards[7].widgets[1].type" in found["details"]
    assert found["message"].startswith("dashboards[7].widgets[1].type")
    assert not Dashboard.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schemaVersion": 2, "dashboards": []}, "schemaVersion"),
        ({"schemaVersion": "1", "dashboards": []}, "schemaVersion"),
        ({"dashboards": []}, "schemaVersion"),
        ({"schemaVersion": 1}, "dashboards"),
        ({"schemaVersion": 1, "dashboards": {}}, "dashboards"),
        ({"schemaVersion": 1, "dashboards": [], "onConflict": "merge"}, "onConflict"),
        ({"schemaVersion": 1, "dashboards": [], "dryRun": "yes"}, "dryRun"),
        ({"schemaVersion": 1, "dashboards": [{"name": "x", "uid": 5}]}, "dashboards[0].uid"),
    ],
)
def test_a_malformed_import_is_400_naming_the_field(client_for, alice, project, body, field):
    found = error(
        client_for(alice).post(import_url(project), body, format="json"), 400, "VALIDATION_ERROR"
    )
    assert field in found["details"]


def _big_import(total_bytes: int) -> bytes:
    """A valid import body of about `total_bytes`: definitions of 200 KB each."""
    filler = "x" * 200_000
    count = total_bytes // 200_100 + 1
    documents = [{"name": f"Big {i}", "definition": {"notes": filler}} for i in range(count)]
    return json.dumps({"schemaVersion": 1, "dashboards": documents, "dryRun": True}).encode()


def test_the_import_route_takes_bodies_over_1_mib(client_for, alice, project):
    body = _big_import(3 * 1024 * 1024)
    response = client_for(alice).post(import_url(project), body, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["created"]) > 10


def test_the_import_route_refuses_bodies_over_16_mib(client_for, alice, project):
    body = b'{"schemaVersion": 1, "dashboards": [], "x": "' + b"x" * (16 * 1024 * 1024) + b'"}'
    found = error(
        client_for(alice).post(import_url(project), body, content_type="application/json"),
        413,
        "PAYLOAD_TOO_LARGE",
    )
    assert "16 MiB" in found["message"]


def test_other_routes_keep_the_1_mib_limit(client_for, alice, project):
    body = _big_import(2 * 1024 * 1024)
    response = client_for(alice).post(f"{API}/dashboards", body, content_type="application/json")
    assert error(response, 413, "PAYLOAD_TOO_LARGE")["message"].endswith("(1 MiB).")


# --- Duplicate -------------------------------------------------------------------------


def test_duplicate_answers_201_with_location_and_etag(client_for, dave, shared):
    response = client_for(dave).post(f"{API}/dashboards/{shared.pk}/duplicate", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "type", "createdAt"}
    assert (body["name"], body["type"]) == ("Copy of Executive Summary", "executive")
    assert response["Location"].endswith(f"/api/dashboards/{body['id']}")
    assert response["ETag"] == f'"{body["id"]}-v1"'
    copy = Dashboard.objects.get(pk=body["id"])
    assert copy.owner == dave
    assert list(copy.widgets.values_list("key", flat=True)) == ["t", "k"]


def test_duplicate_into_another_project_with_a_name(client_for, alice, shared):
    other = ProjectFactory(owner=alice, name="Other")
    body = {"projectId": str(other.pk), "name": "Mine now", "scope": "user", "message": "fork"}
    response = client_for(alice).post(
        f"{API}/dashboards/{shared.pk}/duplicate", body, format="json"
    )
    assert response.status_code == 201, response.content
    copy = Dashboard.objects.get(pk=response.json()["id"])
    assert (copy.project, copy.scope, copy.name) == (other, "user", "Mine now")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": 5}, 400, "VALIDATION_ERROR"),
        ({"projectId": "nope"}, 400, "VALIDATION_ERROR"),
        ({"projectId": str(uuid.uuid4())}, 404, "PROJECT_NOT_FOUND"),
        ({"scope": "team"}, 400, "VALIDATION_ERROR"),
        ({"name": "executive summary"}, 409, "DUPLICATE_DASHBOARD"),
        ({"name": ""}, 400, "VALIDATION_ERROR"),
    ],
)
def test_duplicate_refuses_bad_bodies(client_for, alice, shared, body, status, code):
    before = Dashboard.objects.count()
    error(
        client_for(alice).post(f"{API}/dashboards/{shared.pk}/duplicate", body, format="json"),
        status,
        code,
    )
    assert Dashboard.objects.count() == before


def test_duplicating_into_a_project_the_caller_cannot_see_is_404(
    client_for, alice, charlie, shared
):
    theirs = ProjectFactory(owner=charlie)
    body = {"projectId": str(theirs.pk)}
    response = client_for(alice).post(
        f"{API}/dashboards/{shared.pk}/duplicate", body, format="json"
    )
    error(response, 404, "PROJECT_NOT_FOUND")


@pytest.mark.django_db(transaction=True)
def test_a_project_export_outside_a_transaction_reads_one_snapshot_and_ends_it(
    client_for, alice, project
):
    # As in production (no test transaction around the request): on PostgreSQL the export
    # runs in its own read-only transaction, which ends with the stream, read or not.
    _bulk_dashboards(project, alice, 1500)
    client = client_for(alice)
    whole = client.get(f"{API}/projects/{project.pk}/export")
    assert len(json.loads(b"".join(whole.streaming_content))["dashboards"]) == 1500
    assert not connection.in_atomic_block
    partial = client.get(f"{API}/projects/{project.pk}/export")
    next(iter(partial.streaming_content))
    partial.close()
    assert not connection.in_atomic_block
    # The connection is usable afterwards (no transaction left open or aborted).
    assert Dashboard.objects.filter(project=project).count() == 1500
