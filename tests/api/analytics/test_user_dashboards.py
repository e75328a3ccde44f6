"""`/api/users/{userId}/dashboards`: a user's assigned dashboards, default and order."""

import pytest

from dashboards import services
from dashboards.models import UserDashboard
from tests.api.analytics.conftest import API, error

pytestmark = pytest.mark.django_db


@pytest.fixture
def boards(alice, project):
    return [
        services.dashboard_create(user=alice, project=project, scope="project", name=n, type=t)
        for n, t in [("Executive Summary", "executive"), ("Sales Performance", "sales")]
    ]


def url(user, dashboard=None, suffix=""):
    base = f"{API}/users/{user.pk}/dashboards"
    return f"{base}/{dashboard.pk}{suffix}" if dashboard else base + suffix


def test_list_has_the_sources_shape(client_for, alice, boards):
    client = client_for(alice)
    client.post(url(alice), {"dashboardId": str(boards[0].pk), "isDefault": True}, format="json")
    client.post(url(alice), {"dashboardId": str(boards[1].pk)}, format="json")
    assert client.get(url(alice)).json() == {
        "userId": alice.pk,
        "dashboards": [
            {
                "id": str(boards[0].pk),
                "name": "Executive Summary",
                "type": "executive",
                "isDefault": True,
            },
            {
                "id": str(boards[1].pk),
                "name": "Sales Performance",
                "type": "sales",
                "isDefault": False,
            },
        ],
    }


def test_assign_is_idempotent(client_for, alice, boards):
    client = client_for(alice)
    for _ in range(2):
        response = client.post(url(alice), {"dashboardId": str(boards[0].pk)}, format="json")
        assert response.status_code == 201
    assert UserDashboard.objects.filter(user=alice).count() == 1


def test_setting_a_default_undefaults_the_previous(client_for, alice, boards):
    client = client_for(alice)
    for board in boards:
        client.post(url(alice), {"dashboardId": str(board.pk)}, format="json")
    client.patch(url(alice, boards[0]), {"isDefault": True}, format="json")
    body = client.patch(url(alice, boards[1]), {"isDefault": True}, format="json").json()
    assert [d["isDefault"] for d in body["dashboards"]] == [False, True]
    assert UserDashboard.objects.filter(user=alice, is_default=True).count() == 1


def test_reorder(client_for, alice, boards):
    client = client_for(alice)
    for board in boards:
        client.post(url(alice), {"dashboardId": str(board.pk)}, format="json")
    ids = [str(boards[1].pk), str(boards[0].pk)]
    body = client.put(url(alice, suffix="/order"), {"dashboardIds": ids}, format="json").json()
    assert [d["id"] for d in body["dashboards"]] == ids
    incomplete = client.put(url(alice, suffix="/order"), {"dashboardIds": ids[:1]}, format="json")
    error(incomplete, 400, "VALIDATION_ERROR")


def test_unassign_removes_only_the_assignment(client_for, alice, boards):
    client = client_for(alice)
    client.post(url(alice), {"dashboardId": str(boards[0].pk)}, format="json")
    response = client.delete(url(alice, boards[0]))
    assert response.json() == {"success": True, "message": "Dashboard unassigned"}
    assert not UserDashboard.objects.filter(user=alice).exists()
    assert client.get(f"{API}/dashboards/{boards[0].pk}").status_code == 200
    error(client.delete(url(alice, boards[0])), 404, "DASHBOARD_NOT_FOUND")


def test_editor_assigns_a_shared_dashboard_to_a_colleague(client_for, dave, bob, boards):
    response = client_for(dave).post(url(bob), {"dashboardId": str(boards[0].pk)}, format="json")
    assert response.status_code == 201
    assert UserDashboard.objects.filter(user=bob, dashboard=boards[0]).exists()


def test_viewer_may_not_assign(client_for, bob, boards):
    response = client_for(bob).post(url(bob), {"dashboardId": str(boards[0].pk)}, format="json")
    error(response, 403, "PERMISSION_DENIED")


def test_assigning_an_invisible_dashboard_is_404(client_for, charlie, boards):
    response = client_for(charlie).post(
        url(charlie), {"dashboardId": str(boards[0].pk)}, format="json"
    )
    error(response, 404, "DASHBOARD_NOT_FOUND")


def test_another_users_list_is_staff_only(client_for, alice, bob, staff, boards):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=boards[0])
    error(client_for(alice).get(url(bob)), 403, "PERMISSION_DENIED")
    body = client_for(staff).get(url(bob)).json()
    assert [d["id"] for d in body["dashboards"]] == [str(boards[0].pk)]


def test_staff_sets_anyones_default(client_for, alice, bob, staff, boards):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=boards[0])
    response = client_for(staff).patch(url(bob, boards[0]), {"isDefault": True}, format="json")
    assert response.status_code == 200
    assert UserDashboard.objects.get(user=bob).is_default


def test_non_staff_cannot_set_another_users_default(client_for, alice, bob, boards):
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=boards[0])
    response = client_for(alice).patch(url(bob, boards[0]), {"isDefault": True}, format="json")
    error(response, 403, "PERMISSION_DENIED")
    assert not UserDashboard.objects.get(user=bob).is_default


@pytest.mark.parametrize("user_id", ["999999", "abc"])
def test_missing_user_is_user_not_found_for_staff(client_for, staff, user_id):
    error(client_for(staff).get(f"{API}/users/{user_id}/dashboards"), 404, "USER_NOT_FOUND")


def test_assigning_to_a_missing_user_is_user_not_found(client_for, staff, superuser, boards):
    response = client_for(superuser).post(
        f"{API}/users/999999/dashboards", {"dashboardId": str(boards[0].pk)}, format="json"
    )
    error(response, 404, "USER_NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"dashboardId": "nope"},
        {"dashboardId": 5},
        {"dashboardId": None},
        {"dashboardId": "00000000-0000-4000-8000-000000000000", "isDefault": "yes"},
    ],
)
def test_bad_assign_bodies_are_400(client_for, alice, body):
    error(client_for(alice).post(url(alice), body, format="json"), 400, "VALIDATION_ERROR")


# --- Someone else's list: what a non-staff caller may do (docs/permissions.md) ----------


@pytest.fixture
def bobs_private(bob):
    """bob's own private dashboard, assigned to himself: nobody else may learn of it."""
    private = services.dashboard_create(user=bob, name="Bob's secret plans")
    services.dashboard_assign(actor=bob, user_id=bob.pk, dashboard=private, is_default=True)
    return private


def test_assigning_to_a_project_colleague_answers_only_that_assignment(
    client_for, alice, bob, boards, bobs_private
):
    response = client_for(alice).post(url(bob), {"dashboardId": str(boards[0].pk)}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "userId": bob.pk,
        "dashboards": [
            {
                "id": str(boards[0].pk),
                "name": "Executive Summary",
                "type": "executive",
                "isDefault": False,
            }
        ],
    }
    assert "Bob's secret plans" not in response.content.decode()


def test_a_non_staff_caller_may_not_replace_someones_default(
    client_for, alice, bob, boards, bobs_private
):
    body = {"dashboardId": str(boards[0].pk), "isDefault": True}
    error(client_for(alice).post(url(bob), body, format="json"), 403, "PERMISSION_DENIED")
    assert UserDashboard.objects.get(user=bob, is_default=True).dashboard_id == bobs_private.pk
    assert not UserDashboard.objects.filter(user=bob, dashboard=boards[0]).exists()


def test_a_user_sharing_no_project_answers_exactly_like_a_missing_one(
    client_for, alice, charlie, boards
):
    client = client_for(alice)
    body = {"dashboardId": str(boards[0].pk)}
    existing = client.post(url(charlie), body, format="json")
    missing = client.post(f"{API}/users/987654/dashboards", body, format="json")
    assert error(existing, 404, "USER_NOT_FOUND") == error(missing, 404, "USER_NOT_FOUND")
    assert not UserDashboard.objects.exists()


def test_unassigning_for_a_user_sharing_no_project_is_user_not_found(
    client_for, alice, charlie, staff, boards
):
    services.dashboard_assign(actor=staff, user_id=charlie.pk, dashboard=boards[0])
    response = client_for(alice).delete(url(charlie, boards[0]))
    missing = client_for(alice).delete(f"{API}/users/987654/dashboards/{boards[0].pk}")
    assert error(response, 404, "USER_NOT_FOUND") == error(missing, 404, "USER_NOT_FOUND")
    assert UserDashboard.objects.filter(user=charlie).exists()


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "/order", {"dashboardIds": []}),
    ],
)
def test_another_users_list_and_order_are_staff_only(
    client_for, alice, bob, bobs_private, method, suffix, body
):
    response = getattr(client_for(alice), method)(url(bob, suffix=suffix), body, format="json")
    assert "Bob's secret plans" not in error(response, 403, "PERMISSION_DENIED")["message"]


def test_staff_assign_to_anyone_and_see_the_whole_list(client_for, superuser, charlie, boards):
    services.dashboard_assign(actor=superuser, user_id=charlie.pk, dashboard=boards[1])
    response = client_for(superuser).post(
        url(charlie), {"dashboardId": str(boards[0].pk), "isDefault": True}, format="json"
    )
    assert response.status_code == 201
    assert [(d["name"], d["isDefault"]) for d in response.json()["dashboards"]] == [
        ("Sales Performance", False),
        ("Executive Summary", True),
    ]
