"""The domain: projects, dashboards with their history, widgets, assignments and metric points.

Rules that must always hold are database constraints, so they hold on SQLite and
PostgreSQL alike and under concurrent writers; `clean()` keeps one-row rules that need
Python (the widget registry). Everything that writes goes through `dashboards.services`.
"""

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import Exact

from dashboards.exceptions import DomainError
from dashboards.jsonlimits import document_problem
from dashboards.limits import (
    DEFAULT_DASHBOARD_TYPE,
    DEFAULT_SIZE,
    DESCRIPTION_MAX_LENGTH,
    MAX_DEFINITION_BYTES,
    MAX_DIMENSION_VALUE_LENGTH,
    MAX_METADATA_BYTES,
    MAX_REFRESH_INTERVAL,
    MAX_WIDGETS,
    MIN_REFRESH_INTERVAL,
    NAME_MAX_LENGTH,
    ROLES,
    SCOPES,
    SHARE_TOKEN_HASH_LENGTH,
    SHARE_TOKEN_SHOWN_CHARS,
    SIZES,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    WIDGET_KEY_MAX_LENGTH,
    WIDGET_KEY_PATTERN,
    WIDGET_TITLE_MAX_LENGTH,
)
from dashboards.share_rules import (
    validate_allow_variables,
    validate_frame_ancestors,
    validate_share_variables,
)
from dashboards.widgets import registry

slug_validator = RegexValidator(
    SLUG_PATTERN,
    f"Use a lowercase slug: letters, digits, '-' or '_' (at most {SLUG_MAX_LENGTH}).",
)
widget_key_validator = RegexValidator(
    WIDGET_KEY_PATTERN,
    f"Use letters, digits, '_', '-' or '.' (at most {WIDGET_KEY_MAX_LENGTH}).",
)
metric_name_validator = RegexValidator(registry.METRIC_NAME_PATTERN, "Invalid metric name.")


def validate_refresh_interval(value: int) -> None:
    if value != 0 and not MIN_REFRESH_INTERVAL <= value <= MAX_REFRESH_INTERVAL:
        raise ValidationError(
            f"Use 0 (manual refresh) or {MIN_REFRESH_INTERVAL} to {MAX_REFRESH_INTERVAL} seconds."
        )


def validate_json_object(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object.")
    # Depth first, iteratively: before anything walks it recursively (size, NUL checks,
    # the database adapter).
    problem = document_problem(value)
    if problem:
        raise ValidationError(problem)


# Keys of a dashboard document that are columns, not free-form definition.
RESERVED_DEFINITION_KEYS = frozenset({"name", "description", "type", "refreshInterval", "widgets"})


def validate_definition(value: Any) -> None:
    validate_json_object(value)
    reserved = sorted(RESERVED_DEFINITION_KEYS & value.keys())
    if reserved:
        raise ValidationError(
            f"{', '.join(reserved)} are dashboard fields; send them as fields, "
            "not inside the definition."
        )
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_DEFINITION_BYTES:
        raise ValidationError(
            f"The definition is {size} bytes; the limit is {MAX_DEFINITION_BYTES}."
        )


Role = models.TextChoices("Role", [(name.upper(), name) for name in ROLES])
ROLE_RANK = {role: rank for rank, role in enumerate(Role, start=1)}
Scope = models.TextChoices("Scope", [(name.upper(), name) for name in SCOPES])
Size = models.TextChoices("Size", [(name.upper(), name) for name in SIZES])


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True, validators=[validate_json_object])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_projects"
    )
    # The project that holds a user's dashboards created without a project.
    is_personal = models.BooleanField(default=False, editable=False)
    # Grows whenever a dashboard shared with the project changes: part of the key of its
    # members' cached list counts (dashboards/listcounts.py).
    list_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                condition=Q(is_personal=False),
                name="project_name_ci_unique_per_owner",
                violation_error_message="You already have a project with this name.",
            ),
            models.UniqueConstraint(
                "owner", condition=Q(is_personal=True), name="one_personal_project_per_user"
            ),
        ]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if isinstance(self.metadata, dict):
            size = len(json.dumps(self.metadata, separators=(",", ":")).encode())
            if size > MAX_METADATA_BYTES:
                limit = MAX_METADATA_BYTES
                raise ValidationError(
                    {"metadata": f"The metadata is {size} bytes; the limit is {limit}."}
                )


class ProjectMembership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "user"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["user", "project"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.project}"


class Dashboard(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dashboards")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboards"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.USER)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    type = models.CharField(
        max_length=SLUG_MAX_LENGTH, default=DEFAULT_DASHBOARD_TYPE, validators=[slug_validator]
    )
    refresh_interval = models.PositiveIntegerField(
        default=0,
        validators=[validate_refresh_interval],
        help_text="Seconds between refreshes; 0 means manual refresh.",
    )
    # Everything else a front end keeps (layout, filters, theme), returned verbatim.
    definition = models.JSONField(default=dict, blank=True, validators=[validate_definition])
    version = models.PositiveIntegerField(default=1, editable=False)
    # Kept by the one writer (services.dashboard_save), so that lists need no widget join.
    widget_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # SPEC duplicate rule: a private name is unique among its owner's private
            # dashboards in the project; a shared name among the project's shared ones.
            models.UniqueConstraint(
                Lower("name"),
                "project",
                "owner",
                condition=Q(scope=Scope.USER),
                name="dashboard_name_unique_user_scope",
            ),
            models.UniqueConstraint(
                Lower("name"),
                "project",
                condition=Q(scope=Scope.PROJECT),
                name="dashboard_name_unique_project_scope",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values), name="dashboard_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(refresh_interval=0)
                | Q(
                    refresh_interval__gte=MIN_REFRESH_INTERVAL,
                    refresh_interval__lte=MAX_REFRESH_INTERVAL,
                ),
                name="dashboard_refresh_interval_range",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="dashboard_version_positive"),
            models.CheckConstraint(
                condition=Q(widget_count__gte=0, widget_count__lte=MAX_WIDGETS),
                name="dashboard_widget_count_range",
            ),
        ]
        # Lists read each visibility source (owner; project members; assignees) in the
        # order asked, so every indexed order has an index per source (docs/odata.md).
        # PostgreSQL also has a trigram index on UPPER(name) for contains (migration 0006).
        indexes = [
            models.Index(fields=["owner", "created_at", "id"]),
            models.Index(fields=["owner", "updated_at", "id"], name="dashboard_owner_updated"),
            models.Index(fields=["owner", "name", "id"], name="dashboard_owner_name"),
            models.Index(fields=["owner", "type", "created_at", "id"], name="dashboard_owner_type"),
            models.Index(
                fields=["project", "scope", "created_at", "id"], name="dashboard_shared_created"
            ),
            models.Index(
                fields=["project", "scope", "updated_at", "id"], name="dashboard_shared_updated"
            ),
            models.Index(fields=["project", "scope", "name", "id"], name="dashboard_shared_name"),
            models.Index(fields=["created_at", "id"]),
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["type", "created_at"]),
            models.Index(fields=["refresh_interval"]),
        ]

    def __str__(self) -> str:
        return self.name


class Widget(models.Model):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="widgets")
    # The id the client sees ("widget_1"): unique within the dashboard.
    key = models.CharField(max_length=WIDGET_KEY_MAX_LENGTH, validators=[widget_key_validator])
    type = models.CharField(max_length=50)
    title = models.CharField(max_length=WIDGET_TITLE_MAX_LENGTH, blank=True)
    size = models.CharField(max_length=10, choices=Size.choices, default=DEFAULT_SIZE)
    position = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(10000)])
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dashboard", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "key"], name="widget_key_unique"),
            models.CheckConstraint(condition=Q(size__in=Size.values), name="widget_size_valid"),
        ]
        indexes = [models.Index(fields=["dashboard", "position"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"

    def clean(self) -> None:
        # The registry decides type, size and config; the admin gets this check for free.
        try:
            registry.validate(self.type, self.size, self.config)
        except DomainError as error:
            if error.code == "INVALID_WIDGET_TYPE":
                raise ValidationError({"type": error.message}, code=error.code) from error
            raise ValidationError(
                {
                    key if key in {"size", "config"} else "config": messages
                    for key, messages in _group_config_errors(error.details).items()
                }
            ) from error


class DashboardVersion(models.Model):
    """One state of a dashboard, immutable: appended by the writer in the transaction of
    the write that produced it (`services.versions`). `number` is the dashboard's
    `version` after that write; `document` is the export document of that state."""

    # No index of its own: the (dashboard, number) unique index leads with it.
    dashboard = models.ForeignKey(
        Dashboard, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    # History outlives its authors: a deleted user leaves an anonymous version.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # Clients send at most VERSION_MESSAGE_MAX_LENGTH characters; the service may add a
    # line of its own (a duplicate names its source), so the column has no limit.
    message = models.TextField(blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    document = models.JSONField()

    class Meta:
        ordering = ["dashboard", "-number"]
        constraints = [
            # Also the index of the versions list (newest first is a backward scan).
            models.UniqueConstraint(
                fields=["dashboard", "number"], name="dashboard_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="dashboard_version_number_positive"
            ),
            models.CheckConstraint(
                condition=Q(restored_from__isnull=True)
                | Q(restored_from__gte=1, restored_from__lt=models.F("number")),
                name="dashboard_version_restored_from_earlier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dashboard_id} v{self.number}"


class DashboardShare(models.Model):
    """A read-only link to a dashboard that works without login (docs/sharing.md).

    Only the SHA-256 of its token is kept (`token_hash`, unique: the lookup); the token is
    shown once, when the link is made. Revoking sets `revoked_at`: the row stays for the
    record, the link is dead. Deleting the dashboard deletes its links.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="shares")
    token_hash = models.CharField(max_length=SHARE_TOKEN_HASH_LENGTH, unique=True, editable=False)
    token_last4 = models.CharField(max_length=SHARE_TOKEN_SHOWN_CHARS, editable=False)
    # A link outlives its maker's account: whoever may change the dashboard can revoke it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Locked variable values (name -> value) and the names a viewer may set.
    variables = models.JSONField(default=dict, blank=True, validators=[validate_share_variables])
    allow_variables = models.JSONField(
        default=list, blank=True, validators=[validate_allow_variables]
    )
    # Origins that may frame the page; empty: settings.SHARE_FRAME_ANCESTORS.
    frame_ancestors = models.JSONField(
        default=list, blank=True, validators=[validate_frame_ancestors]
    )

    class Meta:
        ordering = ["dashboard", "-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), SHARE_TOKEN_HASH_LENGTH),
                name="share_token_hash_length",
            ),
            models.CheckConstraint(
                condition=Exact(Length("token_last4"), SHARE_TOKEN_SHOWN_CHARS),
                name="share_token_last4_length",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("created_at")),
                name="share_expires_after_created",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="share_revoked_after_created",
            ),
        ]
        # The dashboard's links, newest first (the API list and the admin inline).
        indexes = [models.Index(fields=["dashboard", "created_at"], name="share_dashboard_created")]

    def __str__(self) -> str:
        return f"…{self.token_last4} for {self.dashboard_id}"


def _group_config_errors(details: dict[str, list[str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, messages in details.items():
        field_name = key.split(".", 1)[0]
        suffix = key.split(".", 1)[1] + ": " if "." in key else ""
        grouped.setdefault(field_name, []).extend(suffix + m for m in messages)
    return grouped


class UserDashboard(models.Model):
    """A dashboard assigned to a user; at most one per user is the default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_assignments"
    )
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="assignments")
    is_default = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dashboard"], name="assignment_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_dashboard_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "position"])]

    def __str__(self) -> str:
        return f"{self.dashboard} for {self.user}"


class DashboardListVersion(models.Model):
    """A counter per user, grown in the same transaction as every write that changes what
    the user's dashboard lists hold: cached list counts are keyed by it, so a count cached
    before a write is never read after it, whether or not the cache was reachable when the
    write happened (dashboards/listcounts.py, docs/list-counts.md)."""

    # Not a foreign key: the counter outlives a deleted user, so that an id SQLite hands
    # out again never meets the counts cached for the old account.
    user_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.version}"


def dimensions_key(dimensions: dict[str, Any]) -> str:
    """A stable digest of a point's dimensions: part of its identity for idempotency."""
    canonical = json.dumps(dimensions or {}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


class MetricPoint(models.Model):
    """One value of a project's named series at a moment, with optional dimensions."""

    # No index of its own: the identity index starts with the project and serves every
    # per-project lookup. A separate one let PostgreSQL, whose statistics still said a new
    # project had no rows, probe it per touched bucket and filter all the project's rows
    # (a first ingestion of 2,000 points: 8.6 s).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="metric_points", db_index=False
    )
    metric = models.CharField(max_length=100, validators=[metric_name_validator])
    timestamp = models.DateTimeField()
    value = models.FloatField()
    dimensions = models.JSONField(default=dict, blank=True, validators=[validate_json_object])
    dimensions_key = models.CharField(max_length=40, editable=False)

    class Meta:
        ordering = ["project", "metric", "timestamp"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "metric", "timestamp", "dimensions_key"],
                name="metric_point_identity",
            ),
        ]
        # The identity constraint's index (project, metric, timestamp, ...) serves the
        # providers' range scans too, so no separate index.

    def __str__(self) -> str:
        return f"{self.metric}@{self.timestamp:%Y-%m-%dT%H:%M:%SZ}={self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.dimensions_key = dimensions_key(self.dimensions)
        super().save(*args, **kwargs)


class MetricSeries(models.Model):
    """One row per (project, metric): the series' data version, confirmed by the database.

    Ingestion bumps `version` and `changed_at` in the transaction that writes the points, so
    a cached widget answer keyed by them can never outlive the data it was computed from,
    whatever happens to the cache (flushed, restored from an old snapshot, unreachable).
    The rows also bound how many metrics a project may have (settings.METRICS_MAX_PER_PROJECT).
    """

    # No index of its own: the identity index starts with the project (see MetricPoint).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="metric_series", db_index=False
    )
    metric = models.CharField(max_length=100, validators=[metric_name_validator])
    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["project", "metric"], name="metric_series_identity"),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="metric_series_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} v{self.version}"


class RollupGrain(models.TextChoices):
    HOUR = "h"
    DAY = "d"


class MetricRollup(models.Model):
    """Aggregates of one bucket (an UTC hour or day) of one series with one dimension set.

    Kept by ingestion (`dashboards/rollups.py`) in the transaction that writes the points,
    recomputed from the raw points of every bucket a request touched, so a replaced value
    corrects sum, count, min, max and last alike. For a full dimension set `last_value` is
    the value of the point at `last_time` (one point per timestamp); for a projection it is
    the sum of the values at `last_time`. Providers read day rows for whole days (a
    projection when the widget needs at most two dimensions), hour rows for whole hours and
    raw points only for partial hours.
    """

    # No index of its own: the identity index starts with the project (see MetricPoint).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="metric_rollups", db_index=False
    )
    metric = models.CharField(max_length=100)
    grain = models.CharField(max_length=1, choices=RollupGrain.choices)
    # "" : one row per full dimension set; "*": one row for all points of the bucket;
    # a dimension name: one row per value of that dimension; two names "a,b": one row per
    # pair of their values (day grain only). Names are at most 100 characters.
    projection = models.CharField(max_length=201, default="", blank=True)
    bucket = models.DateTimeField()
    dimensions_key = models.CharField(max_length=40)
    dimensions = models.JSONField(default=dict)
    # The values of a projection's dimensions ("a" or "a,b"): a filter on either dimension
    # of a pair is an index range (metric_rollup_a_value, _b_value). NULL, not "", where a
    # row has no such dimension: "" is a dimension value like any other.
    a_value = models.CharField(max_length=MAX_DIMENSION_VALUE_LENGTH, null=True, blank=True)  # noqa: DJ001
    b_value = models.CharField(max_length=MAX_DIMENSION_VALUE_LENGTH, null=True, blank=True)  # noqa: DJ001
    total = models.FloatField()
    count = models.BigIntegerField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    last_time = models.DateTimeField()
    last_value = models.FloatField()

    class Meta:
        ordering = ["project", "metric", "grain", "bucket"]
        constraints = [
            # Its index (project, metric, grain, projection, bucket, ...) serves the providers'
            # range reads.
            models.UniqueConstraint(
                fields=["project", "metric", "grain", "projection", "bucket", "dimensions_key"],
                name="metric_rollup_identity",
            ),
            models.CheckConstraint(
                condition=Q(grain__in=RollupGrain.values), name="metric_rollup_grain_valid"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="metric_rollup_count_positive"),
        ]
        indexes = [
            # Partial: only projection rows carry the values, so the rows ingestion writes
            # most (hours and full-set days) pay for neither index.
            models.Index(
                fields=["project", "metric", "projection", "a_value", "bucket"],
                condition=Q(a_value__isnull=False),
                name="metric_rollup_a_value",
            ),
            models.Index(
                fields=["project", "metric", "projection", "b_value", "bucket"],
                condition=Q(b_value__isnull=False),
                name="metric_rollup_b_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}/{self.grain}@{self.bucket:%Y-%m-%dT%H:%M:%SZ}"
