"""Family 1 shapes, camelCase exactly as the analytics source shows them.

Input serializers check JSON shape and types only; every rule (widget types, sizes, limits,
names) is the services' and the models'. Output is plain dicts built in `views.py` (the hot
paths); the output serializers here describe those shapes for the browsable API and the
OpenAPI schema.
"""

from rest_framework import serializers

from dashboards.api.fields import (
    ObjectField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
    WidgetListField,
)
from dashboards.api.transfer import message_field
from dashboards.api.widget_schema import (
    AppliedVariablesField,
    WidgetDataField,
    WidgetErrorSerializer,
)
from dashboards.limits import (
    DEFAULT_DASHBOARD_TYPE,
    DESCRIPTION_MAX_LENGTH,
    MAX_REFRESH_INTERVAL,
    MIN_REFRESH_INTERVAL,
    NAME_MAX_LENGTH,
)
from dashboards.models import Scope


class WidgetInSerializer(serializers.Serializer):
    # Shape only: a wrong `type` string is INVALID_WIDGET_TYPE from the registry.
    id = StrictCharField(
        required=False, help_text="Client key, e.g. widget_1; generated if omitted."
    )
    type = StrictCharField(help_text="A registered widget type (GET /api/widget-types).")
    title = StrictCharField(required=False, allow_blank=True)
    size = StrictCharField(required=False, help_text="small, medium, large or full.")
    config = ObjectField(required=False, help_text="Validated by the widget type's JSON Schema.")

    class Meta:
        ref_name = "WidgetInput"


class DashboardWriteSerializer(serializers.Serializer):
    """POST, PUT and PATCH body: documents the dashboard document (`dashboards.specs`),
    which the views parse into a DashboardSpec. Initial values are what the browsable API's
    raw-data form shows: each is valid, so the form can be posted as shown."""

    name = StrictCharField(max_length=NAME_MAX_LENGTH, initial="New dashboard")
    description = StrictCharField(
        required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH, initial=""
    )
    type = StrictCharField(
        required=False,
        initial=DEFAULT_DASHBOARD_TYPE,
        help_text=f"Lowercase slug; default {DEFAULT_DASHBOARD_TYPE}.",
    )
    widgets = WidgetListField(required=False, initial=list)
    refreshInterval = StrictIntegerField(
        required=False,
        initial=0,
        help_text=f"Seconds; 0 = manual refresh, else {MIN_REFRESH_INTERVAL} to "
        f"{MAX_REFRESH_INTERVAL}.",
    )
    definition = ObjectField(
        required=False, initial=dict, help_text="Layout, filters, theme: kept verbatim."
    )
    projectId = StrictUUIDField(
        required=False,
        allow_null=True,
        initial=None,
        help_text="The project; null or absent: your personal project (create only).",
    )
    scope = serializers.ChoiceField(choices=Scope.values, required=False, initial=Scope.USER)
    message = message_field()

    class Meta:
        ref_name = "DashboardInput"


class WidgetOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField()
    size = serializers.CharField()
    config = serializers.DictField()
    data = WidgetDataField(allow_null=True)
    error = WidgetErrorSerializer(
        required=False, help_text="Only when this widget's data could not be computed."
    )


class DashboardSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    type = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.values)
    projectId = serializers.UUIDField()
    ownerId = serializers.IntegerField()
    widgets = WidgetOutSerializer(many=True)
    refreshInterval = serializers.IntegerField()
    definition = serializers.DictField()
    version = serializers.IntegerField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    variables = AppliedVariablesField()


class DashboardCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField()
    createdAt = serializers.DateTimeField()


class DashboardUpdatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    updatedAt = serializers.DateTimeField()
    version = serializers.IntegerField()


class DashboardListItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField()
    widgetCount = serializers.IntegerField()
    createdAt = serializers.DateTimeField()


class DashboardListSerializer(serializers.Serializer):
    value = DashboardListItemSerializer(many=True)
    count = serializers.IntegerField(help_text="All rows that match $filter, not the page size.")
    nextLink = serializers.URLField(required=False, help_text="Present when more rows follow.")


class DeletedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    dashboardId = StrictUUIDField()
    isDefault = StrictBooleanField(required=False, default=False)


class AssignmentUpdateSerializer(serializers.Serializer):
    isDefault = StrictBooleanField()


class AssignmentOrderSerializer(serializers.Serializer):
    dashboardIds = serializers.ListField(child=StrictUUIDField(), max_length=10000)


class UserDashboardItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField()
    isDefault = serializers.BooleanField()


class UserDashboardsSerializer(serializers.Serializer):
    userId = serializers.IntegerField()
    dashboards = UserDashboardItemSerializer(many=True)


class WidgetTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    sizes = serializers.ListField(child=serializers.CharField())
    hasData = serializers.BooleanField()
    configSchema = serializers.DictField()
    dataSchema = serializers.DictField(help_text="JSON Schema of the widget's `data`.")
    render = serializers.DictField(
        help_text="How a page draws it: `kind` (chart, number, table, markdown), `chart`."
    )


class WidgetTypeListSerializer(serializers.Serializer):
    value = WidgetTypeSerializer(many=True)
    count = serializers.IntegerField()
