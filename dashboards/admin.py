"""The admin for staff: a thin adapter like the APIs.

Model forms run the models' validators, `Widget.clean()` (the widget registry) and the
database constraints (`validate_constraints`), so an unknown widget type or a duplicate
name is a form error, never a 500. Versioning and the one-default rule go through services;
a dashboard's History page shows its versions and restores them (`admin_history`).
"""

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from dashboards import admin_history, services, variables
from dashboards.exceptions import DomainError, ValidationFailed
from dashboards.limits import VERSION_MESSAGE_MAX_LENGTH
from dashboards.models import (
    MAX_WIDGETS,
    Dashboard,
    DashboardShare,
    MetricPoint,
    Project,
    ProjectMembership,
    UserDashboard,
    Widget,
)
from dashboards.specs import DashboardSpec, WidgetSpec
from dashboards.widgets import registry

# Dashboard form fields that are part of the spec (project and owner are where it lives).
ADMIN_SPEC_FIELDS = ("name", "description", "type", "scope", "refresh_interval", "definition")


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


class DashboardAdminForm(forms.ModelForm):
    # Not a model field: the note kept with the version this save makes.
    message = forms.CharField(
        required=False,
        max_length=VERSION_MESSAGE_MAX_LENGTH,
        label="Change note",
        help_text="What changed and why; kept with the new version (see History).",
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = Dashboard
        fields = ["name", "project", "owner", "scope", "type", "description"]
        fields += ["refresh_interval", "definition"]

    def clean_definition(self) -> Any:
        """Its variables as the writer checks them, shown on the field (the write would
        refuse them anyway, as a message above the form)."""
        definition = self.cleaned_data.get("definition")
        stored = None if self.instance._state.adding else self.instance.definition
        try:
            variables.check_definition(definition, stored)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None
        return definition


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    form = DashboardAdminForm
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
    readonly_fields = [
        "id",
        "version",
        "widget_count",
        "created_at",
        "updated_at",
        "links",
        "share_links",
    ]
    fieldsets = [
        (None, {"fields": ["id", "name", "project", "owner", "scope", "type", "description"]}),
        ("Behaviour", {"fields": ["refresh_interval", "definition"]}),
        (
            "History",
            {"fields": ["message", "version", "widget_count", "created_at", "updated_at", "links"]},
        ),
        ("Sharing", {"fields": ["share_links"]}),
    ]
    inlines = [WidgetInline]
    formfield_overrides = JSON_OVERRIDES
    date_hierarchy = "created_at"

    @admin.display(description="open")
    def links(self, obj: Dashboard) -> str:
        if obj.pk is None or obj._state.adding:
            return "-"
        return format_html(
            '<a href="/dashboards/{}/">live page</a> · <a href="/api/dashboards/{}">API</a>',
            obj.pk,
            obj.pk,
        )

    @admin.display(description="share links")
    def share_links(self, obj: Dashboard) -> str:
        """The links that are not revoked (tokens are never shown: only their last four
        characters); revoking is on the share links' own list."""
        if obj.pk is None or obj._state.adding:
            return "-"
        shares = obj.shares.filter(revoked_at__isnull=True).order_by("-created_at")
        items = format_html_join(
            "",
            "<li>…{} · made {} · {}</li>",
            (
                (
                    share.token_last4,
                    f"{share.created_at:%Y-%m-%d %H:%M} UTC",
                    f"expires {share.expires_at:%Y-%m-%d %H:%M} UTC"
                    if share.expires_at
                    else "never expires",
                )
                for share in shares
            ),
        )
        manage = format_html(
            '<a href="{}?dashboard__id__exact={}">all links of this dashboard, to revoke</a>',
            reverse("admin:dashboards_dashboardshare_changelist"),
            obj.pk,
        )
        return format_html("<ul>{}</ul>{}", items, manage) if items else manage

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # The forms check what they can; what only the write can tell (a race with
            # another writer) rolls the whole save back and is said here, not as a 500.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Dashboard, form: Any, change: bool) -> None:
        # Written in save_related, with its widgets: the service writes both at once.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save the dashboard and its widgets through the one writer, as the APIs do."""
        data = form.cleaned_data
        rows = [
            widget_form.cleaned_data
            for formset in formsets
            if formset.model is Widget
            for widget_form in formset.forms
            if widget_form.cleaned_data and not widget_form.cleaned_data.get("DELETE")
        ]
        spec = DashboardSpec(
            **{name: data[name] for name in ADMIN_SPEC_FIELDS},
            widgets=tuple(
                WidgetSpec(
                    key=row["key"],
                    type=row["type"],
                    title=row["title"],
                    size=row["size"],
                    config=row["config"],
                )
                for row in sorted(rows, key=lambda row: row["position"])
            ),
        )
        saved = services.dashboard_save(
            actor=request.user,
            spec=spec,
            dashboard=Dashboard.objects.get(pk=form.instance.pk) if change else None,
            project=data["project"],
            owner=data["owner"],
            as_admin=True,
            message=data.get("message", ""),
        )
        # The admin redirects and logs with this object: make it the saved one (an inline
        # formset clears a new parent's generated id, so the service chose the id).
        form.instance.pk = saved.pk
        form.instance.version = saved.version
        form.instance.created_at = saved.created_at
        form.instance.updated_at = saved.updated_at
        for formset in formsets:
            _describe_changes(formset)

    # --- History: versions, diffs, restore ---------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        restore = self.admin_site.admin_view(require_POST(self.restore_view))
        return [
            path(
                "<path:object_id>/history/<int:number>/restore/",
                restore,
                name="dashboards_dashboard_restore",
            ),
            *super().get_urls(),
        ]

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's History page, with the dashboard's versions above its change log."""
        dashboard = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if dashboard is not None and self.has_view_or_change_permission(request, dashboard):
            context.update(
                admin_history.history_context(
                    request, dashboard, may_restore=self.has_change_permission(request, dashboard)
                )
            )
        return super().history_view(request, object_id, extra_context=context)

    def restore_view(self, request: HttpRequest, object_id: str, number: int) -> HttpResponse:
        dashboard = self.get_object(request, unquote(object_id))
        if dashboard is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, dashboard):
            raise PermissionDenied
        response = admin_history.restore(request, dashboard, number)
        self.log_change(request, dashboard, f"Restored version {number}.")
        return response


def _describe_changes(formset: Any) -> None:
    """What formset.save() would have recorded, for the admin's change message."""
    deleted = [f for f in formset.initial_forms if formset._should_delete_form(f)]
    kept = [f for f in formset.forms if f not in deleted and f.has_changed()]
    formset.deleted_objects = [f.instance for f in deleted]
    formset.new_objects = [f.instance for f in kept if f in formset.extra_forms]
    formset.changed_objects = [(f.instance, f.changed_data) for f in kept if f.instance.pk]


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


@admin.register(DashboardShare)
class DashboardShareAdmin(admin.ModelAdmin):
    """Share links, read-only: they are made through the API; here they are listed and
    revoked (through the service). The token is never shown, nor its hash."""

    list_display = [
        "__str__",
        "dashboard",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    list_select_related = ["dashboard", "created_by"]
    search_fields = ["dashboard__name", "token_last4"]
    fields = [
        "id",
        "dashboard",
        "token_last4",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "variables",
        "allow_variables",
        "frame_ancestors",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a link's token is shown once, to whoever makes it through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # nothing to edit; revoking is the action

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked links stay on record

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("dashboards.change_dashboardshare")

    @admin.action(description="Revoke selected share links", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[DashboardShare]) -> None:
        revoked = 0
        for share in queryset.filter(revoked_at__isnull=True).select_related("dashboard"):
            services.share_revoke(actor=request.user, share=share, as_admin=True)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} share link(s).", messages.SUCCESS)


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
