"""List totals are cached per (user, query) under the user's list version: every write path
must move it (API families, services, admin, cascades), and a cache that was down during a
write must not keep a stale total afterwards (docs/list-counts.md).

Each test reads the total first (so that it is cached), writes, and reads again: a write
path that forgot the version would answer the cached, stale total.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from dashboards import listcounts, permissions, services
from dashboards.models import Dashboard, DashboardListVersion, Project, UserDashboard
from tests.api.analytics.conftest import API
from tests.api.v1.conftest import V1, save_body
from tests.factories import (
    DashboardFactory,
    ProjectFactory,
    UserDashboardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def total(client, **options: str) -> int:
    """`count` of family 1 and `X-Total-Count` of v1 (user,project) must agree."""
    params = {f"${key}": value for key, value in options.items()}
    body = client.get(f"{API}/dashboards", params).json()
    if not options:
        v1 = client.get(f"{V1}/dashboards/list", {"scope": "user,project"})
        assert v1.status_code == 200
        assert int(v1["X-Total-Count"]) == body["count"]
    return body["count"]


def truth(user) -> int:
    return permissions.visible_dashboards(user).count()


@pytest.fixture
def shared(alice, project):
    """Two dashboards alice shares with her project (bob views, dave edits, erin admins)."""
    return [
        DashboardFactory(owner=alice, project=project, scope="project", name=f"Shared {i}")
        for i in range(2)
    ]


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# --- Both API families -------------------------------------------------------------------


def test_create_and_delete_move_owner_and_member_totals(client_for, alice, bob, project, shared):
    owner, member = client_for(alice), client_for(bob)
    assert (total(owner), total(member)) == (2, 2)
    created = owner.post(
        f"{API}/dashboards",
        {"name": "New", "projectId": str(project.pk), "scope": "project"},
        format="json",
    )
    assert created.status_code == 201
    assert (total(owner), total(member)) == (3, 3)
    assert owner.delete(f"{API}/dashboards/{created.json()['id']}").status_code == 200
    assert (total(owner), total(member)) == (2, 2)


def test_private_create_moves_only_the_owner(client_for, alice, bob, project, shared):
    owner, member = client_for(alice), client_for(bob)
    assert (total(owner), total(member)) == (2, 2)
    owner.post(f"{API}/dashboards", {"name": "Mine", "projectId": str(project.pk)}, format="json")
    assert (total(owner), total(member)) == (3, 2)


def test_v1_save_and_delete(client_for, alice, bob, project, shared):
    owner, member = client_for(alice), client_for(bob)
    assert total(member) == 2
    saved = owner.post(
        f"{V1}/dashboards/{project.pk}/save", save_body("Via v1", scope="project"), format="json"
    )
    assert saved.status_code == 201
    assert total(member) == 3
    dashboard_id = saved.json()["data"]["id"]
    deleted = owner.delete(f"{V1}/dashboards/{project.pk}/{dashboard_id}?scope=project")
    assert deleted.status_code == 200
    assert total(member) == 2


@pytest.mark.parametrize("start", ["project", "user"])
def test_scope_change_moves_member_totals(client_for, alice, bob, project, start):
    dashboard = DashboardFactory(owner=alice, project=project, scope=start)
    member = client_for(bob)
    before = total(member)
    flipped = "user" if start == "project" else "project"
    response = client_for(alice).patch(
        f"{API}/dashboards/{dashboard.pk}", {"scope": flipped}, format="json"
    )
    assert response.status_code == 200
    assert total(member) == before + (1 if flipped == "project" else -1) == truth(bob)


def test_rename_moves_filtered_totals(client_for, alice, bob, project, shared):
    member = client_for(bob)
    assert total(member, filter="contains(name,'sales')") == 0
    response = client_for(alice).patch(
        f"{API}/dashboards/{shared[0].pk}", {"name": "Regional Sales"}, format="json"
    )
    assert response.status_code == 200
    assert total(member, filter="contains(name,'sales')") == 1


def test_widget_changes_move_widget_count_totals(client_for, alice, bob, project, shared):
    member = client_for(bob)
    assert total(member, filter="widgetCount eq 2") == 0
    widgets = [{"type": "text", "config": {"markdown": "x"}}] * 2
    response = client_for(alice).put(
        f"{API}/dashboards/{shared[1].pk}", {"name": "Shared 1", "widgets": widgets}, format="json"
    )
    assert response.status_code == 200
    assert total(member, filter="widgetCount eq 2") == 1


def test_membership_added_and_removed(client_for, alice, charlie, project, shared):
    outsider = client_for(charlie)
    assert total(outsider) == 0
    added = client_for(alice).post(
        f"{V1}/projects/{project.pk}/members", {"user_id": charlie.pk, "role": "viewer"}, "json"
    )
    assert added.status_code == 200
    assert total(outsider) == 2
    removed = client_for(alice).delete(f"{V1}/projects/{project.pk}/members/{charlie.pk}")
    assert removed.status_code == 200
    assert total(outsider) == 0


def test_assignment_added_and_removed(client_for, alice, bob, project):
    private = DashboardFactory(owner=alice, project=project, scope="user")
    member = client_for(bob)
    assert total(member) == 0
    assigned = client_for(alice).post(
        f"{API}/users/{bob.pk}/dashboards", {"dashboardId": str(private.pk)}, format="json"
    )
    assert assigned.status_code == 201
    assert total(member) == 1
    unassigned = client_for(alice).delete(f"{API}/users/{bob.pk}/dashboards/{private.pk}")
    assert unassigned.status_code == 200
    assert total(member) == 0


def test_assigned_dashboard_changes_reach_the_assignee(client_for, alice, bob, project):
    private = DashboardFactory(owner=alice, project=project, scope="user", name="Plain")
    UserDashboardFactory(user=bob, dashboard=private)
    member = client_for(bob)
    assert total(member, filter="contains(name,'sales')") == 0
    client_for(alice).patch(f"{API}/dashboards/{private.pk}", {"name": "Sales"}, format="json")
    assert total(member, filter="contains(name,'sales')") == 1
    client_for(alice).delete(f"{API}/dashboards/{private.pk}")
    assert total(member) == 0


def test_project_delete_cascades(client_for, alice, bob, charlie, project, shared):
    # bob also sees an assigned private dashboard of another owner in that project.
    other = DashboardFactory(owner=charlie, project=project, scope="user")
    UserDashboardFactory(user=bob, dashboard=other)
    member, owner, assignee_owner = client_for(bob), client_for(alice), client_for(charlie)
    assert (total(member), total(owner), total(assignee_owner)) == (3, 2, 1)
    assert owner.delete(f"{V1}/projects/{project.pk}").status_code == 200
    assert (total(member), total(owner), total(assignee_owner)) == (0, 0, 0)


def test_user_delete_cascades(client_for, alice, bob, project, shared):
    member = client_for(bob)
    assert total(member) == 2
    get_user_model().objects.get(pk=alice.pk).delete()  # takes her project and dashboards
    assert total(member) == 0 == truth(bob)


# --- The admin ---------------------------------------------------------------------------


def test_admin_add_change_and_delete(admin_client, client_for, alice, bob, project, shared):
    member = client_for(bob)
    assert total(member) == 2
    form = {
        "name": "From admin",
        "project": str(project.pk),
        "owner": str(alice.pk),
        "scope": "project",
        "type": "custom",
        "description": "",
        "refresh_interval": "0",
        "definition": "{}",
        "widgets-TOTAL_FORMS": "0",
        "widgets-INITIAL_FORMS": "0",
        "widgets-MIN_NUM_FORMS": "0",
        "widgets-MAX_NUM_FORMS": "100",
    }
    assert admin_client.post(reverse("admin:dashboards_dashboard_add"), form).status_code == 302
    assert total(member) == 3
    added = Dashboard.objects.get(name="From admin")
    change = reverse("admin:dashboards_dashboard_change", args=[added.pk])
    assert admin_client.post(change, {**form, "scope": "user"}).status_code == 302
    assert total(member) == 2
    delete = reverse("admin:dashboards_dashboard_delete", args=[shared[0].pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert total(member) == 1 == truth(bob)


def test_admin_bulk_delete(admin_client, client_for, bob, project, shared):
    member = client_for(bob)
    assert total(member) == 2
    response = admin_client.post(
        reverse("admin:dashboards_dashboard_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [str(d.pk) for d in shared],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert total(member) == 0


def test_admin_moves_a_dashboard_to_another_owner(admin_client, client_for, alice, charlie):
    personal = services.project_get_personal(user=alice)
    dashboard = DashboardFactory(owner=alice, project=personal, scope="user")
    theirs = ProjectFactory(owner=charlie)
    old_owner, new_owner = client_for(alice), client_for(charlie)
    assert (total(old_owner), total(new_owner)) == (1, 0)
    form = {
        "name": dashboard.name,
        "project": str(theirs.pk),
        "owner": str(charlie.pk),
        "scope": "user",
        "type": "custom",
        "description": "",
        "refresh_interval": "0",
        "definition": "{}",
        "widgets-TOTAL_FORMS": "0",
        "widgets-INITIAL_FORMS": "0",
        "widgets-MIN_NUM_FORMS": "0",
        "widgets-MAX_NUM_FORMS": "100",
    }
    change = reverse("admin:dashboards_dashboard_change", args=[dashboard.pk])
    assert admin_client.post(change, form).status_code == 302
    assert (total(old_owner), total(new_owner)) == (0, 1)


def test_admin_membership_inline_and_project_owner(
    admin_client, client_for, alice, charlie, project, shared
):
    outsider = client_for(charlie)
    assert total(outsider) == 0
    memberships = list(project.memberships.order_by("pk"))
    form = {
        "name": project.name,
        "owner": str(alice.pk),
        "description": "",
        "metadata": "{}",
        "memberships-TOTAL_FORMS": str(len(memberships) + 1),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        form[f"memberships-{index}-id"] = str(membership.pk)
        form[f"memberships-{index}-project"] = str(project.pk)
        form[f"memberships-{index}-user"] = str(membership.user_id)
        form[f"memberships-{index}-role"] = membership.role
    new = len(memberships)
    form[f"memberships-{new}-project"] = str(project.pk)
    form[f"memberships-{new}-user"] = str(charlie.pk)
    form[f"memberships-{new}-role"] = "viewer"
    change = reverse("admin:dashboards_project_change", args=[project.pk])
    response = admin_client.post(change, form)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert total(outsider) == 2
    # The inline row deleted again.
    added = project.memberships.get(user=charlie)
    form[f"memberships-{new}-id"] = str(added.pk)
    form[f"memberships-{new}-DELETE"] = "on"
    form["memberships-INITIAL_FORMS"] = str(new + 1)
    assert admin_client.post(change, form).status_code == 302
    assert total(outsider) == 0
    # The project handed to charlie: he owns what it shares, alice stops seeing it.
    owner = client_for(alice)
    assert total(owner) == 2
    form.pop(f"memberships-{new}-DELETE")
    form["memberships-TOTAL_FORMS"] = str(new)
    form["memberships-INITIAL_FORMS"] = str(new)
    for key in [k for k in form if k.startswith(f"memberships-{new}-")]:
        form.pop(key)
    form["owner"] = str(charlie.pk)
    assert admin_client.post(change, form).status_code == 302
    assert total(outsider) == 2
    # alice still owns the two dashboards herself: the owner source keeps them visible.
    assert total(owner) == 2 == truth(alice)


def test_admin_assignment_add_and_delete(admin_client, client_for, alice, bob, project):
    private = DashboardFactory(owner=alice, project=project, scope="user")
    member = client_for(bob)
    assert total(member) == 0
    form = {"user": str(bob.pk), "dashboard": str(private.pk), "position": "0"}
    add = reverse("admin:dashboards_userdashboard_add")
    assert admin_client.post(add, form).status_code == 302
    assert total(member) == 1
    assignment = UserDashboard.objects.get(user=bob)
    delete = reverse("admin:dashboards_userdashboard_delete", args=[assignment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert total(member) == 0


# --- Cache behaviour --------------------------------------------------------------------


def test_a_cache_that_was_down_during_a_write_keeps_no_stale_total(
    client_for, alice, bob, project, shared, settings
):
    member = client_for(bob)
    assert total(member) == 2  # cached
    # The cache goes away (a fail-soft cache answers misses and drops writes)...
    healthy = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    services.dashboard_create(user=alice, project=project, name="During outage", scope="project")
    assert total(member) == 3  # counted from the database
    # ...and comes back with the total cached before the write still in it.
    settings.CACHES = healthy
    assert total(member) == 3 == truth(bob)


def test_a_count_racing_a_write_is_stored_under_the_old_version(alice, project, shared):
    def count_then_write() -> int:
        counted = permissions.visible_dashboards(alice).count()
        services.dashboard_create(user=alice, project=project, name="Raced")
        return counted  # the total from before the write, as a slow count would return

    assert listcounts.cached_count(alice, "race", count_then_write) == 2
    assert listcounts.cached_count(alice, "race", lambda: truth(alice)) == 3


def test_totals_are_cached_per_query_and_per_user(alice, bob, project, shared):
    calls = []

    def counting() -> int:
        calls.append(1)
        return 7

    for user, query in [(alice, "a"), (alice, "a"), (alice, "b"), (bob, "a"), (bob, "a")]:
        assert listcounts.cached_count(user, query, counting) == 7
    assert len(calls) == 3


def test_superusers_are_counted_every_time(client_for, superuser, alice):
    DashboardFactory(owner=alice)
    client = client_for(superuser)
    assert total(client) == 1
    DashboardFactory.create_batch(2, owner=alice)
    assert total(client) == 3
    assert listcounts.list_state(superuser) is None


def test_versions_grow_in_the_writers_transaction(alice, bob, project):
    def version(user):
        row = DashboardListVersion.objects.filter(user_id=user.pk).first()
        return row.version if row else 0

    before = (version(alice), Project.objects.get(pk=project.pk).list_version)
    services.dashboard_create(user=alice, project=project, name="Shared", scope="project")
    after = (version(alice), Project.objects.get(pk=project.pk).list_version)
    assert after == (before[0] + 1, before[1] + 1)
    with transaction.atomic():
        sid = transaction.savepoint()
        services.dashboard_create(user=alice, project=project, name="Rolled back")
        transaction.savepoint_rollback(sid)
    assert version(alice) == after[0]  # rolled back with the write


def test_role_and_default_changes_do_not_touch_versions(alice, bob, project):
    dashboard = DashboardFactory(owner=alice, project=project)
    assignment = UserDashboardFactory(user=bob, dashboard=dashboard)
    before = DashboardListVersion.objects.get(user_id=bob.pk).version
    assignment.is_default = True
    assignment.save(update_fields=["is_default"])
    assert DashboardListVersion.objects.get(user_id=bob.pk).version == before


def test_a_reused_user_id_never_meets_old_totals(alice):
    DashboardFactory(owner=alice)
    ghost = UserFactory(username="ghost")
    DashboardFactory(owner=ghost)
    assert listcounts.cached_count(ghost, "q", lambda: truth(ghost)) == 1
    pk = ghost.pk
    ghost.delete()
    reborn = get_user_model().objects.create(pk=pk, username="reborn")
    assert listcounts.cached_count(reborn, "q", lambda: truth(reborn)) == 0


def test_a_dashboard_seen_three_ways_is_counted_and_listed_once(client_for, alice, bob, project):
    # bob: a member of alice's project who is also assigned her shared dashboard, and
    # owns one that is shared and assigned to himself.
    theirs = DashboardFactory(owner=alice, project=project, scope="project")
    UserDashboardFactory(user=bob, dashboard=theirs)
    his = DashboardFactory(owner=bob, project=project, scope="project")
    UserDashboardFactory(user=bob, dashboard=his)
    client = client_for(bob)
    body = client.get(f"{API}/dashboards").json()
    assert body["count"] == 2 == truth(bob)
    assert sorted(row["id"] for row in body["value"]) == sorted([str(theirs.pk), str(his.pk)])
