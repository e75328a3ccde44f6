"""Every write to the domain: validation, permissions, versioning, in one transaction each.

Services take keyword arguments, raise `dashboards.exceptions.*` and never see HTTP. The API
families and the admin are adapters over these functions. A constraint race that the
database catches becomes the same domain error a sequential caller would get. One module
per entity; this package exposes them all.
"""

from dashboards.services.assignments import (
    assignments_reorder,
    dashboard_assign,
    dashboard_set_default,
    dashboard_unassign,
)
from dashboards.services.dashboards import (
    dashboard_create,
    dashboard_delete,
    dashboard_restore,
    dashboard_save,
    dashboard_update,
    dashboard_upsert,
)
from dashboards.services.projects import (
    membership_remove,
    membership_set,
    project_create,
    project_delete,
    project_get_personal,
    project_save,
    project_update,
)
from dashboards.services.shares import share_create, share_revoke
from dashboards.services.transfer import dashboard_duplicate, dashboards_import

__all__ = [
    "assignments_reorder",
    "dashboard_assign",
    "dashboard_create",
    "dashboard_delete",
    "dashboard_duplicate",
    "dashboard_restore",
    "dashboard_save",
    "dashboard_set_default",
    "dashboard_unassign",
    "dashboard_update",
    "dashboard_upsert",
    "dashboards_import",
    "membership_remove",
    "membership_set",
    "project_create",
    "project_delete",
    "project_get_personal",
    "project_save",
    "project_update",
    "share_create",
    "share_revoke",
]
