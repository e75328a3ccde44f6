"""Share links below the API: token rules, the service's checks, the database's
constraints, the viewer's variable overrides, and the admin (docs/sharing.md)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dashboards import selectors, services
from dashboards.exceptions import (
    Conflict,
    PermissionDenied,
    ShareNotFound,
    ValidationFailed,
)
from dashboards.limits import MAX_ACTIVE_SHARES
from dashboards.models import DashboardShare
from dashboards.share_rules import origin_problem, token_hash, token_new

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(alice, project):
    return services.dashboard_create(user=alice, project=project, scope="project", name="Ops")


# --- Tokens and origins ---------------------------------------------------------------------


def test_tokens_are_long_random_and_url_safe():
    tokens = {token_new() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert len(token) == 43
        assert token.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize(
    "origin",
    ["https://intranet.example.com", "http://localhost:8080", "https://*.example.com"],
)
def test_good_origins(origin):
    assert origin_problem(origin) is None


@pytest.mark.parametrize(
    "origin",
    [
        "https://example.com/",
        "https://example.com/path",
        "https://user@example.com",
        "ftp://example.com",
        "https://EXAMPLE.com",
        "https://example.com:99999",
        "https://example.com 'unsafe-inline'",
        "https://example.com;",
        "*",
        "'self'",
        "",
        None,
    ],
)
def test_bad_origins(origin):
    assert origin_problem(origin)


# --- Service ---------------------------------------------------------------------------------


def test_create_keeps_the_hash_and_last_four_only(board, alice):
    share, token = services.share_create(actor=alice, dashboard=board)
    share.refresh_from_db()
    assert share.token_hash == token_hash(token)
    assert share.token_last4 == token[-4:]
    assert share.created_by == alice
    assert token not in str(DashboardShare.objects.values().get())


def test_a_viewer_may_not_create_or_revoke(board, alice, bob):
    with pytest.raises(PermissionDenied):
        services.share_create(actor=bob, dashboard=board)
    share, _ = services.share_create(actor=alice, dashboard=board)
    with pytest.raises(PermissionDenied):
        services.share_revoke(actor=bob, share=share)
    with pytest.raises(PermissionDenied):
        selectors.share_list(user=bob, dashboard=board)


def test_revoking_twice_keeps_the_first_time(board, alice):
    share, _ = services.share_create(actor=alice, dashboard=board)
    first = services.share_revoke(actor=alice, share=share).revoked_at
    later = timezone.now() + timedelta(hours=1)
    again = services.share_revoke(actor=alice, share=share, now=later)
    assert again.revoked_at == first


def test_active_links_per_dashboard_are_bounded(board, alice):
    for _ in range(MAX_ACTIVE_SHARES):
        services.share_create(actor=alice, dashboard=board)
    with pytest.raises(Conflict):
        services.share_create(actor=alice, dashboard=board)
    oldest = DashboardShare.objects.filter(dashboard=board).first()
    services.share_revoke(actor=alice, share=oldest)
    services.share_create(actor=alice, dashboard=board)


def test_a_naive_expiry_is_refused(board, alice):
    naive = (timezone.now() + timedelta(days=1)).replace(tzinfo=None)
    with pytest.raises(ValidationFailed) as caught:
        services.share_create(actor=alice, dashboard=board, expires_at=naive)
    assert "expires_at" in caught.value.details


def test_the_database_refuses_what_the_service_would(board, alice):
    share, _ = services.share_create(actor=alice, dashboard=board)
    bad_updates = [
        {"expires_at": share.created_at},
        {"revoked_at": share.created_at - timedelta(seconds=1)},
        {"token_hash": "abc"},
        {"token_last4": "abc"},
    ]
    for values in bad_updates:
        with pytest.raises(IntegrityError), transaction.atomic():
            DashboardShare.objects.filter(pk=share.pk).update(**values)
    other, _ = services.share_create(actor=alice, dashboard=board)
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardShare.objects.filter(pk=other.pk).update(token_hash=share.token_hash)


# --- Resolving a token and the viewer's variables --------------------------------------------


def test_resolve_finds_the_live_link_only(board, alice):
    share, token = services.share_create(actor=alice, dashboard=board)
    assert selectors.share_resolve(token=token).pk == share.pk
    with pytest.raises(ShareNotFound):
        selectors.share_resolve(token=token + "x")
    expiring, expiring_token = services.share_create(
        actor=alice, dashboard=board, expires_at=timezone.now() + timedelta(hours=1)
    )
    assert selectors.share_resolve(token=expiring_token).pk == expiring.pk
    with pytest.raises(ShareNotFound):
        selectors.share_resolve(token=expiring_token, now=timezone.now() + timedelta(hours=2))
    services.share_revoke(actor=alice, share=share)
    with pytest.raises(ShareNotFound):
        selectors.share_resolve(token=token)


def test_a_dead_token_costs_one_lookup(board, alice, django_assert_num_queries):
    share, token = services.share_create(actor=alice, dashboard=board)
    services.share_revoke(actor=alice, share=share)
    for candidate in (token, "unknown"):
        with django_assert_num_queries(1), pytest.raises(ShareNotFound):
            selectors.share_resolve(token=candidate)


def overrides(share: DashboardShare, **params: list[str]) -> dict[str, str]:
    return selectors.share_variable_overrides(share=share, params=list(params.items()))


def test_overrides_merge_locked_and_allowed_values(board, alice):
    share, _ = services.share_create(
        actor=alice,
        dashboard=board,
        variables={"region": "north"},
        allow_variables=["timeRange", "product"],
    )
    assert overrides(share) == {"region": "north"}
    chosen = overrides(share, **{"var-timeRange": ["last_7_days"], "page": ["2"]})
    assert chosen == {"region": "north", "timeRange": "last_7_days"}
    for params in (
        {"var-region": ["south"]},
        {"var-region": ["north"]},  # locked is locked, even to its own value
        {"var-other": ["x"]},
        {"var-product": ["a", "b"]},
        {"var-product": ["x" * 201]},
    ):
        with pytest.raises(ValidationFailed) as caught:
            overrides(share, **params)
        assert list(caught.value.details) == list(params)


# --- Admin ------------------------------------------------------------------------------------


def test_the_admin_lists_links_without_tokens_and_revokes_them(client, superuser, board, alice):
    share, token = services.share_create(actor=alice, dashboard=board)
    client.force_login(superuser)
    changelist = client.get(reverse("admin:dashboards_dashboardshare_changelist"))
    assert changelist.status_code == 200
    assert token[-4:] in changelist.content.decode()
    assert token not in changelist.content.decode()
    assert share.token_hash not in changelist.content.decode()
    change = client.get(reverse("admin:dashboards_dashboard_change", args=[board.pk]))
    assert f"…{token[-4:]}" in change.content.decode()
    assert token not in change.content.decode()
    response = client.post(
        reverse("admin:dashboards_dashboardshare_changelist"),
        {"action": "revoke", "_selected_action": [str(share.pk)]},
    )
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    with pytest.raises(ShareNotFound):
        selectors.share_resolve(token=token)


def test_staff_need_the_model_permission_to_revoke(client, staff, board, alice):
    share, _ = services.share_create(actor=alice, dashboard=board)
    staff.user_permissions.add(Permission.objects.get(codename="view_dashboardshare"))
    client.force_login(staff)
    url = reverse("admin:dashboards_dashboardshare_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "Revoke selected" not in page.content.decode()
    client.post(url, {"action": "revoke", "_selected_action": [str(share.pk)]})
    share.refresh_from_db()
    assert share.revoked_at is None
    staff.user_permissions.add(Permission.objects.get(codename="change_dashboardshare"))
    client.post(url, {"action": "revoke", "_selected_action": [str(share.pk)]})
    share.refresh_from_db()
    assert share.revoked_at is not None
