"""`POST /api/projects/{projectId}/metrics`: permissions, validation, idempotence, volume."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import metrics
from dashboards.models import MetricPoint, MetricRollup, MetricSeries, dimensions_key
from tests.widget_data.conftest import point

pytestmark = pytest.mark.django_db


def url(project_id) -> str:
    return f"/api/projects/{project_id}/metrics"


def post(client, project_id, body):
    return client.post(url(project_id), body, format="json")


GOOD = [
    point("revenue", "2026-01-03T10:00:00Z", 3000),
    point("revenue", "2026-01-04T10:00:00Z", 2500.5, region="eu"),
]


@pytest.mark.parametrize("who", ["alice", "dave", "erin"])
def test_owner_editor_and_admin_ingest(request, client_for, project, who):
    response = post(client_for(request.getfixturevalue(who)), project.pk, {"points": GOOD})

    assert response.status_code == 200
    assert response.json() == {"accepted": 2}
    rows = MetricPoint.objects.filter(project=project).order_by("timestamp")
    assert [(r.metric, r.value, r.dimensions) for r in rows] == [
        ("revenue", 3000.0, {}),
        ("revenue", 2500.5, {"region": "eu"}),
    ]
    assert rows[0].timestamp.isoformat() == "2026-01-03T10:00:00+00:00"


def test_viewer_gets_403(client_for, project, bob):
    response = post(client_for(bob), project.pk, {"points": GOOD})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"
    assert not MetricPoint.objects.exists()


def test_outsider_gets_404(client_for, project, charlie):
    response = post(client_for(charlie), project.pk, {"points": GOOD})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PROJECT_NOT_FOUND"
    assert not MetricPoint.objects.exists()


@pytest.mark.parametrize("project_id", [uuid.uuid4(), "not-a-uuid"])
def test_missing_project_gets_404(client_for, alice, project_id):
    response = post(client_for(alice), project_id, {"points": GOOD})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PROJECT_NOT_FOUND"


def test_anonymous_gets_401(api_client, project):
    response = post(api_client, project.pk, {"points": GOOD})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_get_is_405(client_for, project, alice):
    response = client_for(alice).get(url(project.pk))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_same_identity_replaces_the_value(client_for, project, alice):
    client = client_for(alice)
    post(client, project.pk, {"points": [point("m", "2026-01-03T10:00:00Z", 1, a="1", b="2")]})
    # Same moment at another offset, dimensions in another order: the same point.
    second = post(
        client,
        project.pk,
        {"points": [point("m", "2026-01-03T11:00:00+01:00", 7, b="2", a="1")]},
    )

    assert second.json() == {"accepted": 1}
    assert list(MetricPoint.objects.values_list("value", "dimensions")) == [
        (7.0, {"a": "1", "b": "2"})
    ]


def test_other_dimensions_or_metric_are_other_points(client_for, project, alice):
    points = [
        point("m", "2026-01-03T10:00:00Z", 1),
        point("m", "2026-01-03T10:00:00Z", 2, a="1"),
        point("m", "2026-01-03T10:00:00Z", 3, a="2"),
        point("n", "2026-01-03T10:00:00Z", 4),
        point("m", "2026-01-03T10:00:00.000001Z", 5),
    ]
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.json() == {"accepted": 5}
    assert MetricPoint.objects.count() == 5


def test_repeating_a_request_changes_nothing(client_for, project, alice):
    client = client_for(alice)
    post(client, project.pk, {"points": GOOD})
    before = list(MetricPoint.objects.order_by("id").values("id", "value", "timestamp"))

    assert post(client, project.pk, {"points": GOOD}).json() == {"accepted": 2}
    assert list(MetricPoint.objects.order_by("id").values("id", "value", "timestamp")) == before


def test_duplicates_within_a_request_last_wins(client_for, project, alice):
    points = [point("m", "2026-01-03T10:00:00Z", 1), point("m", "2026-01-03T10:00:00Z", 2)]
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.json() == {"accepted": 2}
    assert list(MetricPoint.objects.values_list("value", flat=True)) == [2.0]


def test_one_bad_point_refuses_the_whole_request(client_for, project, alice):
    points = [*GOOD, point("revenue", "2026-01-05T10:00:00Z", 1), point("revenue", "soon", 1)]
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]) == ["points[3].timestamp"]
    assert "points[3].timestamp" in error["message"]
    assert not MetricPoint.objects.exists()


def test_every_bad_point_is_named(client_for, project, alice):
    points = [
        {"metric": "bad name!", "timestamp": "2026-01-03T10:00:00Z", "value": 1},
        point("ok", "2026-01-03T10:00:00Z", 1),
        {"metric": "m", "timestamp": "2026-01-03T10:00:00Z"},
    ]
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"points[0].metric", "points[2].value"}


@pytest.mark.parametrize(
    ("bad_point", "field"),
    [
        (point("m", "2026-01-03T10:00:00", 1), "timestamp"),  # naive: no zone
        (point("m", "2026-01-03", 1), "timestamp"),  # a date is not a moment
        (point("m", "2026-02-30T10:00:00Z", 1), "timestamp"),
        (point("m", 1767434400, 1), "timestamp"),
        ({"metric": "m", "value": 1}, "timestamp"),
        (point("m", "2026-01-03T10:00:00Z", "3000"), "value"),
        (point("m", "2026-01-03T10:00:00Z", True), "value"),
        (point("m", "2026-01-03T10:00:00Z", None), "value"),
        (point("m", "2026-01-03T10:00:00Z", 10**400), "value"),
        (point("", "2026-01-03T10:00:00Z", 1), "metric"),
        (point("x" * 101, "2026-01-03T10:00:00Z", 1), "metric"),
        (point("revenue\n", "2026-01-03T10:00:00Z", 1), "metric"),  # `$` allows a newline
        ({**point("m", "2026-01-03T10:00:00Z", 1), "dimensions": {"a\n": "1"}}, "dimensions"),
        ({"timestamp": "2026-01-03T10:00:00Z", "value": 1}, "metric"),
        ({**point("m", "2026-01-03T10:00:00Z", 1), "dimensions": ["a"]}, "dimensions"),
        ({**point("m", "2026-01-03T10:00:00Z", 1), "dimensions": {"a": 1}}, "dimensions"),
        ({**point("m", "2026-01-03T10:00:00Z", 1), "dimensions": {"a b": "1"}}, "dimensions"),
        ({**point("m", "2026-01-03T10:00:00Z", 1), "dimensions": {"a": "x" * 201}}, "dimensions"),
        (
            {
                **point("m", "2026-01-03T10:00:00Z", 1),
                "dimensions": {f"k{i}": "v" for i in range(21)},
            },
            "dimensions",
        ),
        ({**point("m", "2026-01-03T10:00:00Z", 1), "val": 2}, None),  # unknown field
        ("revenue", None),
    ],
)
def test_bad_point_is_refused_with_its_field(client_for, project, alice, bad_point, field):
    response = post(client_for(alice), project.pk, {"points": [GOOD[0], bad_point]})

    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert list(details) == ["points[1]" + (f".{field}" if field else "")]
    assert not MetricPoint.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"points": []}, {"points": {"metric": "m"}}, [GOOD[0]], {"points": GOOD, "extra": 1}],
)
def test_bad_body_is_400(client_for, project, alice, body):
    response = post(client_for(alice), project.pk, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert not MetricPoint.objects.exists()


def test_malformed_json_is_400(client_for, project, alice):
    response = client_for(alice).post(
        url(project.pk), '{"points": [', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_nan_is_refused(client_for, project, alice):
    body = '{"points": [{"metric": "m", "timestamp": "2026-01-03T10:00:00Z", "value": NaN}]}'
    response = client_for(alice).post(url(project.pk), body, content_type="application/json")

    assert response.status_code == 400
    assert not MetricPoint.objects.exists()


def test_more_than_10000_points_is_400(client_for, project, alice):
    points = [{"metric": "m", "timestamp": "2026-01-03T10:00:00Z", "value": 1}] * 10_001
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["points"]
    assert not MetricPoint.objects.exists()


def _many(count: int, metric: str = "load") -> list[dict]:
    # One point a minute from 2026-01-01: compact enough that 10,000 fit in 1 MiB.
    return [
        {
            "metric": metric,
            "timestamp": f"2026-01-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00Z",
            "value": i,
        }
        for i in range(count)
    ]


def test_10000_points_in_one_request_within_the_query_budget(
    client_for, project, alice, django_assert_max_num_queries
):
    client = client_for(alice)
    # user, project, savepoint, metric bound (a new metric: lock and count), no JIT, temp
    # table, load, upsert, lock, hour and day rollups, projections, series: whatever the
    # number of points
    with django_assert_max_num_queries(18):
        response = post(client, project.pk, {"points": _many(10_000)})

    assert response.status_code == 200, response.content[:300]
    assert response.json() == {"accepted": 10_000}
    assert MetricPoint.objects.filter(project=project, metric="load").count() == 10_000
    assert MetricPoint.objects.get(metric="load", value=9999).timestamp.isoformat() == (
        "2026-01-07T22:39:00+00:00"
    )


def test_statements_do_not_grow_with_the_points(project, alice):
    def statements(count: int, metric: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            metrics.metrics_ingest(
                project=project, user=alice, body={"points": _many(count, metric)}
            )
        return len(captured)

    statements(1, "warmup")  # the first request also creates the temporary table
    assert statements(10, "small") == statements(5000, "large")
    assert MetricPoint.objects.filter(metric="large").count() == 5000


def test_ingestion_changes_only_the_touched_metrics_versions(project, alice):
    metrics.metrics_ingest(
        project=project, user=alice, body={"points": [point("b", "2026-01-01T00:00Z", 1)]}
    )
    before = metrics.series_versions(project.pk, ["a", "b"])
    assert before["a"] == metrics.NO_DATA  # never written
    assert metrics.series_versions(project.pk, ["a", "b"]) == before  # stable between reads

    metrics.metrics_ingest(
        project=project, user=alice, body={"points": [point("a", "2026-01-01T00:00Z", 1)]}
    )

    after = metrics.series_versions(project.pk, ["a", "b"])
    assert after["a"] != before["a"]
    assert after["b"] == before["b"]


# --- Bounded metrics per project --------------------------------------------------------


def test_a_request_past_the_metric_bound_is_400_naming_the_point(
    client_for, project, alice, settings
):
    settings.METRICS_MAX_PER_PROJECT = 3
    client = client_for(alice)
    assert (
        post(client, project.pk, {"points": [point("a", "2026-01-01T00:00Z", 1)]}).status_code
        == 200
    )
    assert (
        post(client, project.pk, {"points": [point("b", "2026-01-01T00:00Z", 1)]}).status_code
        == 200
    )

    response = post(
        client,
        project.pk,
        {
            "points": [
                point("a", "2026-01-02T00:00Z", 1),  # known
                point("c", "2026-01-02T00:00Z", 1),  # the third: fits
                point("c", "2026-01-03T00:00Z", 1),
                point("d", "2026-01-02T00:00Z", 1),  # the fourth: past the bound
                point("e", "2026-01-02T00:00Z", 1),
            ]
        },
    )

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "VALIDATION_ERROR"
    assert list(body["details"]) == ["points[3].metric"]
    assert "at most 3 metrics" in body["message"]
    # Nothing was written: not the points of known metrics, not the ones that fit.
    assert MetricPoint.objects.filter(project=project).count() == 2
    assert sorted(MetricSeries.objects.values_list("metric", flat=True)) == ["a", "b"]


def test_known_metrics_are_accepted_at_the_bound(client_for, project, alice, settings):
    settings.METRICS_MAX_PER_PROJECT = 1
    client = client_for(alice)
    assert (
        post(client, project.pk, {"points": [point("a", "2026-01-01T00:00Z", 1)]}).status_code
        == 200
    )
    assert (
        post(client, project.pk, {"points": [point("a", "2026-01-02T00:00Z", 2)]}).status_code
        == 200
    )
    assert (
        post(client, project.pk, {"points": [point("b", "2026-01-02T00:00Z", 2)]}).status_code
        == 400
    )


def test_ten_thousand_metric_names_in_one_request_are_refused(client_for, project, alice):
    points = [point(f"m{i}", "2026-01-01T00:00Z", 1) for i in range(10_000)]
    response = post(client_for(alice), project.pk, {"points": points})

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["points[1000].metric"]
    assert not MetricPoint.objects.exists()


# --- Bulk path (COPY on PostgreSQL) -------------------------------------------------------


def _rollups(project):
    return list(
        MetricRollup.objects.filter(project=project)
        .order_by("grain", "bucket", "dimensions_key")
        .values_list("grain", "bucket", "total", "count", "minimum", "maximum", "last_value")
    )


def test_bulk_ingestion_is_idempotent(client_for, project, alice):
    client = client_for(alice)
    points = [
        point("load", f"2026-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z", i % 7, r="nsew"[i % 4])
        for i in range(1440)
    ]
    assert post(client, project.pk, {"points": points}).json() == {"accepted": 1440}
    stored = sorted(MetricPoint.objects.values_list("timestamp", "dimensions_key", "value"))
    rollups_once = _rollups(project)
    version = MetricSeries.objects.get(project=project, metric="load").version

    assert post(client, project.pk, {"points": points}).json() == {"accepted": 1440}

    assert sorted(MetricPoint.objects.values_list("timestamp", "dimensions_key", "value")) == stored
    assert _rollups(project) == rollups_once
    assert len([row for row in rollups_once if row[0] == "h"]) == 24 * 4
    assert MetricSeries.objects.get(project=project, metric="load").version == version + 1


def test_bulk_ingestion_replaces_values_and_their_rollups(client_for, project, alice):
    client = client_for(alice)
    first = [point("load", f"2026-01-01T10:{m:02d}:00Z", m) for m in range(60)]
    post(client, project.pk, {"points": first})
    second = [point("load", f"2026-01-01T10:{m:02d}:00Z", 100 - m) for m in range(0, 60, 2)]
    post(client, project.pk, {"points": second})

    values = dict(MetricPoint.objects.values_list("timestamp__minute", "value"))
    assert [values[0], values[1], values[58], values[59]] == [100, 1, 42, 59]
    hour = MetricRollup.objects.get(project=project, grain="h")
    assert hour.count == 60
    assert hour.total == sum(values.values())
    assert (hour.minimum, hour.maximum) == (min(values.values()), max(values.values()))
    assert hour.last_value == 59


def test_dimension_values_with_escapes_and_unicode_round_trip(client_for, project, alice):
    tricky = 'back\\slash\ttab\nline "quoted" ünïcode \\N \u2603'
    body = {"points": [point("load", "2026-01-01T00:00:00Z", 1.5e16, path=tricky)]}
    assert post(client_for(alice), project.pk, body).status_code == 200

    stored = MetricPoint.objects.get(project=project)
    assert stored.dimensions == {"path": tricky}
    assert stored.value == 1.5e16
    assert stored.dimensions_key == dimensions_key({"path": tricky})
