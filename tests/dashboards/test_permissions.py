"""`dashboards/permissions.py` against SPEC "Who may do what", one cast member at a time.

The cast: alice owns the project; owen (an editor) owns the dashboards under test; bob views,
dave edits, erin administers; frank is an outsider the dashboards are assigned to; charlie
is an outsider; `staff` is staff without membership; `superuser` is a superuser.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from dashboards import permissions
from dashboards.models import Role
from tests.factories import (
    DashboardFactory,
    MembershipFactory,
    ProjectFactory,
    UserDashboardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CAST = [
    "owner",
    "project_owner",
    "viewer",
    "editor",
    "admin",
    "assignee",
    "outsider",
    "superuser",
    "staff",
]

# (view, change, delete, assign) per cast member, for a private and a shared dashboard.
USER_SCOPE = {
    "owner": (True, True, True, True),
    "project_owner": (False, False, False, False),
    "viewer": (False, False, False, False),
    "editor": (False, False, False, False),
    "admin": (False, False, False, False),
    "assignee": (True, False, False, False),
    "outsider": (False, False, False, False),
    "superuser": (True, True, True, True),
    "staff": (False, False, False, True),
}
PROJECT_SCOPE = {
    "owner": (True, True, True, True),
    "project_owner": (True, True, True, True),
    "viewer": (True, False, False, False),
    "editor": (True, True, False, True),
    "admin": (True, True, True, True),
    "assignee": (True, False, False, False),
    "outsider": (False, False, False, False),
    "superuser": (True, True, True, True),
    "staff": (False, False, False, True),
}
MATRIX = [("user", who, *USER_SCOPE[who]) for who in CAST] + [
    ("project", who, *PROJECT_SCOPE[who]) for who in CAST
]


@pytest.fixture
def world(alice, bob, charlie, dave, erin, staff, superuser, project):
    owen = UserFactory(username="owen")
    frank = UserFactory(username="frank")
    MembershipFactory(project=project, user=owen, role="editor")
    dashboards = {
        scope: DashboardFactory(owner=owen, project=project, scope=scope, name=f"{scope} board")
        for scope in ("user", "project")
    }
    for dashboard in dashboards.values():
        UserDashboardFactory(user=frank, dashboard=dashboard)
    # Noise that nobody in the cast may see through the rules under test.
    stranger_project = ProjectFactory(owner=charlie, name="Charlie's")
    DashboardFactory(owner=charlie, project=stranger_project, scope="project", name="Hidden")
    users = {
        "owner": owen,
        "project_owner": alice,
        "viewer": bob,
        "editor": dave,
        "admin": erin,
        "assignee": frank,
        "outsider": charlie,
        "superuser": superuser,
        "staff": staff,
    }
    return {"users": users, "dashboards": dashboards, "project": project}


@pytest.mark.parametrize(("scope", "who", "view", "change", "delete", "assign"), MATRIX)
def test_dashboard_predicates(world, scope, who, view, change, delete, assign):
    user = world["users"][who]
    dashboard = world["dashboards"][scope]
    assert permissions.can_view_dashboard(user, dashboard) is view
    assert permissions.can_change_dashboard(user, dashboard) is change
    assert permissions.can_delete_dashboard(user, dashboard) is delete
    assert permissions.can_assign_dashboard(user, dashboard) is assign


@pytest.mark.parametrize(("scope", "who", "view", "change", "delete", "assign"), MATRIX)
def test_visible_dashboards_agrees_with_can_view(world, scope, who, view, change, delete, assign):
    user = world["users"][who]
    dashboard = world["dashboards"][scope]
    assert permissions.visible_dashboards(user).filter(pk=dashboard.pk).exists() is view


@pytest.mark.parametrize("scope", ["user", "project"])
def test_whoever_may_change_or_delete_may_also_view(world, scope):
    # A 403 for an invisible dashboard would reveal it: change and delete imply view.
    dashboard = world["dashboards"][scope]
    for who, user in world["users"].items():
        may_write = permissions.can_change_dashboard(
            user, dashboard
        ) or permissions.can_delete_dashboard(user, dashboard)
        assert permissions.can_view_dashboard(user, dashboard) or not may_write, who


def test_project_admin_may_delete_a_private_dashboard_once_it_is_assigned_to_them(world):
    erin = world["users"]["admin"]
    private = world["dashboards"]["user"]
    UserDashboardFactory(user=erin, dashboard=private)
    assert permissions.can_delete_dashboard(erin, private)
    assert not permissions.can_change_dashboard(erin, private)


def test_visible_dashboards_has_no_duplicates_for_a_user_who_qualifies_three_ways(world):
    owen = world["users"]["owner"]
    shared = world["dashboards"]["project"]
    UserDashboardFactory(user=owen, dashboard=shared)  # owner, member and assignee
    visible = permissions.visible_dashboards(owen)
    assert visible.filter(pk=shared.pk).count() == 1
    assert set(visible.values_list("name", flat=True)) == {"user board", "project board"}


def test_superuser_sees_every_dashboard(world):
    assert permissions.visible_dashboards(world["users"]["superuser"]).count() == 3


def test_outsider_sees_only_their_own(world):
    names = permissions.visible_dashboards(world["users"]["outsider"]).values_list(
        "name", flat=True
    )
    assert list(names) == ["Hidden"]


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("owner", "editor"),
        ("project_owner", "admin"),
        ("viewer", "viewer"),
        ("editor", "editor"),
        ("admin", "admin"),
        ("assignee", None),
        ("outsider", None),
        ("superuser", "admin"),
        ("staff", None),
    ],
)
def test_project_role(world, who, role):
    assert permissions.project_role(world["users"][who], world["project"]) == role


@pytest.mark.parametrize(
    ("who", "visible", "may_create"),
    [
        ("owner", True, True),
        ("project_owner", True, True),
        ("viewer", True, False),
        ("editor", True, True),
        ("admin", True, True),
        ("assignee", False, False),
        ("outsider", False, False),
        ("superuser", True, True),
        ("staff", False, False),
    ],
)
def test_project_visibility_and_create_right(world, who, visible, may_create):
    user = world["users"][who]
    project = world["project"]
    assert permissions.visible_projects(user).filter(pk=project.pk).exists() is visible
    assert permissions.can_create_in_project(user, project) is may_create


@pytest.mark.parametrize(
    ("minimum", "expected"),
    [
        (Role.VIEWER, {"owner", "project_owner", "viewer", "editor", "admin", "superuser"}),
        (Role.EDITOR, {"owner", "project_owner", "editor", "admin", "superuser"}),
        (Role.ADMIN, {"project_owner", "admin", "superuser"}),
    ],
)
def test_has_project_role_ranks_viewer_editor_admin(world, minimum, expected):
    holders = {
        who
        for who, user in world["users"].items()
        if permissions.has_project_role(user, world["project"], minimum)
    }
    assert holders == expected


def test_visible_projects_for_each_cast_member(world):
    charlie_project = "Charlie's"
    expected = {
        "owner": {"Analytics"},
        "assignee": set(),
        "outsider": {charlie_project},
        "staff": set(),
        "superuser": {"Analytics", charlie_project},
    }
    for who, names in expected.items():
        got = set(permissions.visible_projects(world["users"][who]).values_list("name", flat=True))
        assert got == names, who


def test_manage_assignments_of_self_or_by_staff(world):
    users = world["users"]
    frank = users["assignee"]
    assert permissions.can_manage_assignments_of(frank, frank.pk)
    assert permissions.can_manage_assignments_of(users["staff"], frank.pk)
    assert permissions.can_manage_assignments_of(users["superuser"], frank.pk)
    assert not permissions.can_manage_assignments_of(users["outsider"], frank.pk)
    # Being the project owner or the dashboard owner gives no say over someone's list.
    assert not permissions.can_manage_assignments_of(users["project_owner"], frank.pk)
    assert not permissions.can_manage_assignments_of(users["owner"], frank.pk)


def test_anonymous_may_do_nothing(world):
    anonymous = AnonymousUser()
    for dashboard in world["dashboards"].values():
        assert not permissions.can_view_dashboard(anonymous, dashboard)
        assert not permissions.can_change_dashboard(anonymous, dashboard)
        assert not permissions.can_delete_dashboard(anonymous, dashboard)
        assert not permissions.can_assign_dashboard(anonymous, dashboard)
    assert not permissions.visible_dashboards(anonymous).exists()
    assert not permissions.visible_projects(anonymous).exists()
    assert permissions.project_role(anonymous, world["project"]) is None
    assert not permissions.can_manage_assignments_of(anonymous, world["users"]["owner"].pk)


def test_losing_membership_hides_the_shared_dashboard(world):
    bob = world["users"]["viewer"]
    shared = world["dashboards"]["project"]
    assert permissions.can_view_dashboard(bob, shared)
    world["project"].memberships.filter(user=bob).delete()
    assert not permissions.can_view_dashboard(bob, shared)
    assert not permissions.visible_dashboards(bob).filter(pk=shared.pk).exists()


def test_unsharing_hides_the_dashboard_from_members_but_not_from_assignees(world):
    shared = world["dashboards"]["project"]
    shared.scope = "user"
    shared.save()
    assert not permissions.can_view_dashboard(world["users"]["admin"], shared)
    assert permissions.can_view_dashboard(world["users"]["assignee"], shared)
