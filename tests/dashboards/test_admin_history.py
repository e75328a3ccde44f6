"""The admin's History page for a dashboard: versions with author, time and message, each
diffed against the one before, restore for staff who may change it (POST, CSRF)."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import services
from dashboards.models import DashboardVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KPI = {"id": "k", "type": "kpi", "title": "MRR", "size": "small", "config": {"metric": "mrr"}}


@pytest.fixture
def board(alice, dave, project):
    board = services.dashboard_create(
        user=alice, project=project, scope="project", name="Ops", widgets=[KPI]
    )
    services.dashboard_update(
        dashboard=board,
        user=dave,
        widgets=[{**KPI, "title": "Monthly recurring revenue"}],
        message="Clearer title",
    )
    board.refresh_from_db()
    return board


def history_url(board) -> str:
    return reverse("admin:dashboards_dashboard_history", args=[board.pk])


def restore_url(board, number: int) -> str:
    return reverse("admin:dashboards_dashboard_restore", args=[board.pk, number])


def staff_with(*codenames: str):
    user = UserFactory(username=f"staff-{'-'.join(codenames) or 'none'}", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_history_lists_versions_with_author_message_and_diff(client, superuser, board):
    client.force_login(superuser)
    response = client.get(history_url(board))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="version-2"' in page
    assert 'id="version-1"' in page
    assert "dave" in page
    assert "Clearer title" in page
    assert "/widgets/0/title" in page
    assert "Monthly recurring revenue" in page
    assert "changed: k" in page
    # Version 1 may be restored; the current one offers no button.
    assert restore_url(board, 1) in page
    assert restore_url(board, 2) not in page
    # Django's own change log is still there.
    assert "Admin log" in page


def test_staff_who_may_only_view_see_history_without_restore(client, board):
    viewer = staff_with("view_dashboard")
    client.force_login(viewer)
    page = client.get(history_url(board)).content.decode()
    assert 'id="version-2"' in page
    assert "Restore version" not in page
    response = client.post(restore_url(board, 1))
    assert response.status_code == 403
    assert DashboardVersion.objects.filter(dashboard=board).count() == 2


def test_staff_without_dashboard_permissions_get_403(client, board):
    client.force_login(staff_with())
    assert client.get(history_url(board)).status_code == 403


def test_restore_checks_csrf_and_then_restores(board):
    client = Client(enforce_csrf_checks=True)
    editor = staff_with("view_dashboard", "change_dashboard")
    client.force_login(editor)
    assert client.post(restore_url(board, 1)).status_code == 403  # no token
    page = client.get(history_url(board)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(restore_url(board, 1), {"csrfmiddlewaretoken": token, "message": "x"})
    assert response.status_code == 302
    assert response["Location"] == history_url(board)
    newest = DashboardVersion.objects.filter(dashboard=board).first()
    assert (newest.number, newest.restored_from, newest.author, newest.message) == (
        3,
        1,
        editor,
        "x",
    )
    follow = client.get(history_url(board)).content.decode()
    assert "Restored version 1 as version 3." in follow
    assert "Restored from version 1" in follow


def test_restore_is_post_only(client, superuser, board):
    client.force_login(superuser)
    assert client.get(restore_url(board, 1)).status_code == 405


def test_restoring_a_missing_version_says_so(client, superuser, board):
    client.force_login(superuser)
    response = client.post(restore_url(board, 9), follow=True)
    assert "does not exist" in response.content.decode()
    assert DashboardVersion.objects.filter(dashboard=board).count() == 2


def test_the_history_page_costs_the_same_queries_whatever_the_history(
    settings, client, superuser, alice, board
):
    settings.DASHBOARD_VERSIONS_KEEP = 0
    client.force_login(superuser)
    counts = []
    for extra in (0, 60):
        for n in range(extra):
            services.dashboard_update(dashboard=board, user=alice, description=f"{n}")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(history_url(board)).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_change_form_takes_a_note_for_the_version(client, superuser, board):
    client.force_login(superuser)
    page = client.get(reverse("admin:dashboards_dashboard_change", args=[board.pk]))
    body = page.content.decode()
    assert 'name="message"' in body
    assert history_url(board) in body
