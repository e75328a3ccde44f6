"""The admin for staff: a thin adapter like the APIs.

Model forms run the models' validators, `Widget.clean()` (the widget registry) and the
database constraints (`validate_constraints`), so an unknown widget type or a duplicate
name is a form error, never a 500. Versioning and the one-default rule go through services.
"""

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from dashboards import services
from dashboards.models import (
    MAX_WIDGETS,
    Dashboard,
    MetricPoint,
    Project,
    ProjectMembership,
    UserDashboard,
    Widget,
)
from dashboards.widgets import registry


class PrettyJSONField(forms.JSONField):
    """Indented JSON in the change form, so that a definition is readable and editable."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


JSON_OVERRIDES = {
    models.JSONField: {
        "form_class": PrettyJSONField,
        "widget": forms.Textarea(attrs={"rows": 6, "cols": 60, "class": "vLargeTextField"}),
    }
}


class MembershipInline(admin.TabularInline):
    model = ProjectMembership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "is_personal", "member_count", "dashboard_count", "created_at"]
    list_filter = ["is_personal", "created_at"]
    search_fields = ["name", "description", "owner__username"]
    # Stable pages for the list and the dashboard form's project autocomplete.
    ordering = ["name", "id"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["id", "is_personal", "created_at", "updated_at"]
    fields = ["id", "name", "owner", "description", "metadata", "is_personal"]
    fields += ["created_at", "updated_at"]
    inlines = [MembershipInline]
    formfield_overrides = JSON_OVERRIDES

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .annotate(
                _members=Count("memberships", distinct=True),
                _dashboards=Count("dashboards", distinct=True),
            )
        )

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj: Project) -> int:
        return obj._members

    @admin.display(description="dashboards", ordering="_dashboards")
    def dashboard_count(self, obj: Project) -> int:
        return obj._dashboards


class WidgetInlineForm(forms.ModelForm):
    class Meta:
        model = Widget
        fields = ["position", "key", "type", "title", "size", "config"]
        # A select of the registered types; the model's clean() still checks the value,
        # so a forged or stale type is a form error with the registry's message.
        widgets = {"type": forms.Select(choices=[(n, n) for n in registry.names()])}


class WidgetInline(admin.TabularInline):
    model = Widget
    form = WidgetInlineForm
    extra = 0
    ordering = ["position", "id"]
    max_num = MAX_WIDGETS
    validate_max = True
    formfield_overrides = {
        models.JSONField: {
            "form_class": PrettyJSONField,
            "widget": forms.Textarea(attrs={"rows": 3, "cols": 40}),
        }
    }


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "project",
        "owner",
        "scope",
        "type",
        "widget_count",
        "version",
        "updated_at",
        "links",
    ]
    list_filter = ["scope", "type", "created_at"]
    list_select_related = ["project", "owner"]
    search_fields = ["name", "description", "owner__username", "project__name"]
    autocomplete_fields = ["owner", "project"]
    readonly_fields = ["id", "version", "created_at", "updated_at", "links"]
    fieldsets = [
        (None, {"fields": ["id", "name", "project", "owner", "scope", "type", "description"]}),
        ("Behaviour", {"fields": ["refresh_interval", "definition"]}),
        ("History", {"fields": ["version", "created_at", "updated_at", "links"]}),
    ]
    inlines = [WidgetInline]
    formfield_overrides = JSON_OVERRIDES
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dashboard]:
        return super().get_queryset(request).annotate(_widgets=Count("widgets"))

    @admin.display(description="widgets", ordering="_widgets")
    def widget_count(self, obj: Dashboard) -> int:
        return getattr(obj, "_widgets", 0)

    @admin.display(description="open")
    def links(self, obj: Dashboard) -> str:
        if obj.pk is None or obj._state.adding:
            return "-"
        return format_html(
            '<a href="/dashboards/{}/">live page</a> · <a href="/api/dashboards/{}">API</a>',
            obj.pk,
            obj.pk,
        )

    def save_model(self, request: HttpRequest, obj: Dashboard, form: Any, change: bool) -> None:
        if change:
            # Every change, through the admin too, makes a new version.
            obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        obj.refresh_from_db(fields=["version"])


class UserDashboardForm(forms.ModelForm):
    class Meta:
        model = UserDashboard
        fields = ["user", "dashboard", "is_default", "position"]

    def _get_validation_exclusions(self) -> set[str]:
        # Making this one the default un-defaults the previous one (the service does it
        # in one transaction), so the one-default constraint is not a form error here.
        return {*super()._get_validation_exclusions(), "is_default"}


@admin.register(UserDashboard)
class UserDashboardAdmin(admin.ModelAdmin):
    form = UserDashboardForm
    list_display = ["user", "dashboard", "is_default", "position", "created_at"]
    list_filter = ["is_default"]
    list_select_related = ["user", "dashboard"]
    search_fields = ["user__username", "dashboard__name"]
    autocomplete_fields = ["user", "dashboard"]

    def save_model(self, request: HttpRequest, obj: UserDashboard, form: Any, change: bool) -> None:
        is_default = obj.is_default
        obj.is_default = False
        super().save_model(request, obj, form, change)
        if is_default:
            services.dashboard_set_default(
                actor=request.user, user_id=obj.user_id, dashboard=obj.dashboard
            )
            obj.is_default = True


@admin.register(MetricPoint)
class MetricPointAdmin(admin.ModelAdmin):
    list_display = ["metric", "project", "timestamp", "value", "dimensions"]
    list_filter = ["metric"]
    list_select_related = ["project"]
    search_fields = ["metric", "project__name"]
    date_hierarchy = "timestamp"
    autocomplete_fields = ["project"]
    readonly_fields = ["dimensions_key"]
    formfield_overrides = JSON_OVERRIDES
