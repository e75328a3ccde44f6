"""Share links: make one, revoke one (docs/sharing.md). Reads are in `dashboards.selectors`.

Who may do either: whoever may change the dashboard (`permissions.can_change_dashboard`);
callers reach the dashboard through `selectors.dashboard_get`, so an invisible dashboard is
already a 404. In the admin, Django's model permissions decide (`as_admin`).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from dashboards import permissions
from dashboards.exceptions import Conflict, PermissionDenied
from dashboards.limits import MAX_ACTIVE_SHARES
from dashboards.models import Dashboard, DashboardShare
from dashboards.services.common import full_clean, invalid
from dashboards.share_rules import token_hash, token_last4, token_new


def declared_variable_names(dashboard: Dashboard) -> list[str] | None:
    """Names of the dashboard's `definition.variables`, or None when it declares none.

    Read leniently: dashboards saved before variables were validated may hold anything
    there, and an entry without a string name declares nothing.
    """
    declared = (dashboard.definition or {}).get("variables")
    if not isinstance(declared, list) or not declared:
        return None
    return [
        item["name"]
        for item in declared
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]


def _check_names(
    dashboard: Dashboard, variables: Mapping[str, Any], allow_variables: Sequence[Any]
) -> None:
    """Rules that need the dashboard: names it declares, and no name both locked and open."""
    declared = declared_variable_names(dashboard)
    if declared is not None:
        for field, names in (("variables", list(variables)), ("allow_variables", allow_variables)):
            unknown = [name for name in names if name not in declared]
            if unknown:
                raise invalid(
                    {
                        field: [
                            f"{unknown[0]!r} is not a variable of this dashboard "
                            f"(it has: {', '.join(declared) or 'none'})."
                        ]
                    }
                )
    both = sorted(set(variables) & set(allow_variables))
    if both:
        raise invalid(
            {"allow_variables": [f"{both[0]!r} is locked by `variables`; it cannot also be open."]}
        )


def check_can_share(actor: Any, dashboard: Dashboard, *, as_admin: bool = False) -> None:
    if as_admin:
        if not actor.has_perm("dashboards.change_dashboardshare"):
            raise PermissionDenied("You may not change share links.")
    elif not permissions.can_change_dashboard(actor, dashboard):
        raise PermissionDenied("You may view this dashboard but not share it.")


def share_create(
    *,
    actor: Any,
    dashboard: Dashboard,
    expires_at: datetime | None = None,
    variables: Mapping[str, Any] | None = None,
    allow_variables: Sequence[Any] | None = None,
    frame_ancestors: Sequence[Any] | None = None,
    now: datetime | None = None,
) -> tuple[DashboardShare, str]:
    """A new link to `dashboard` and its token. The token is returned here only: the row
    keeps its SHA-256 and last four characters."""
    check_can_share(actor, dashboard)
    now = now or timezone.now()
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise invalid({"expires_at": ["Give a time zone (Z or +hh:mm)."]})
        if expires_at <= now:
            raise invalid({"expires_at": ["Must be in the future."]})
    token = token_new()
    share = DashboardShare(
        dashboard=dashboard,
        token_hash=token_hash(token),
        token_last4=token_last4(token),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        expires_at=expires_at,
        variables=dict(variables) if variables is not None else {},
        allow_variables=list(allow_variables) if allow_variables is not None else [],
        frame_ancestors=list(frame_ancestors) if frame_ancestors is not None else [],
    )
    full_clean(share, exclude=["dashboard", "created_by"])
    _check_names(dashboard, share.variables, share.allow_variables)
    with transaction.atomic():
        # The dashboard row as the lock: two creates cannot both pass the count.
        Dashboard.objects.select_for_update().filter(pk=dashboard.pk).values("pk").first()
        active = DashboardShare.objects.filter(dashboard=dashboard, revoked_at__isnull=True)
        if active.count() >= MAX_ACTIVE_SHARES:
            raise Conflict(
                f"This dashboard has {MAX_ACTIVE_SHARES} links; revoke one first.",
                details={"shares": [f"At most {MAX_ACTIVE_SHARES} links that are not revoked."]},
            )
        share.save(force_insert=True)
    return share, token


def share_revoke(
    *, actor: Any, share: DashboardShare, as_admin: bool = False, now: datetime | None = None
) -> DashboardShare:
    """Kill the link at once; the row stays, with `revoked_at`. Revoking twice keeps the
    first time."""
    check_can_share(actor, share.dashboard, as_admin=as_admin)
    now = now or timezone.now()
    updated = DashboardShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
        revoked_at=max(now, share.created_at)
    )
    if updated:
        share.revoked_at = max(now, share.created_at)
    else:
        share.refresh_from_db(fields=["revoked_at"])
    return share
