"""Filters of the v1 dashboard lists, as django-filter FilterSets (docs/v1-paging.md).

`name` (contains, case-insensitive), `type` (exact), `created_at_after` /
`created_at_before` and `updated_at_after` / `updated_at_before` (ISO 8601, inclusive). Each
is served by an index on every visibility source (dashboards/models.py, migration 0006).
The browsable API shows the form (`V1FilterBackend.to_html`); a value the form refuses is a
400 `INVALID_QUERY` in the v1 envelope that names the parameter.
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField, RangeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import DateRangeWidget
from rest_framework.request import Request

from dashboards.exceptions import InvalidQuery
from dashboards.limits import NAME_MAX_LENGTH, SLUG_MAX_LENGTH
from dashboards.models import Dashboard, slug_validator


class UtcDateTimeField(IsoDateTimeField):
    """ISO 8601; without an offset it is UTC (as every timestamp the API returns), and one
    that cannot be expressed in UTC (`9999-12-31T23:59:59-01:00`) is refused, not a 500."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date-time such as 2026-01-10T00:00:00Z.",
        "overflow": "This date-time is out of range.",
    }

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str) and len(value) > 64:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["overflow"], code="overflow") from None


class UtcDateTimeRangeField(RangeField):
    """`<name>_after` / `<name>_before`, either optional, both inclusive."""

    widget = DateRangeWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__((UtcDateTimeField(), UtcDateTimeField()), *args, **kwargs)

    def clean(self, value: Any) -> Any:
        bounds = super().clean(value)
        if bounds and bounds.start and bounds.stop and bounds.start > bounds.stop:
            raise ValidationError("The 'after' bound is later than the 'before' bound.")
        return bounds


class UtcDateTimeFromToRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcDateTimeRangeField


class DashboardFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains",
        max_length=NAME_MAX_LENGTH,
        label="Name contains",
        help_text="Case-insensitive substring of the name.",
    )
    type = django_filters.CharFilter(
        max_length=SLUG_MAX_LENGTH,
        validators=[slug_validator],
        label="Type",
        help_text="Exactly this type, e.g. sales.",
    )
    created_at = UtcDateTimeFromToRangeFilter(
        label="Created (after, before)",
        help_text="created_at_after / created_at_before: ISO 8601, inclusive.",
    )
    updated_at = UtcDateTimeFromToRangeFilter(
        label="Updated (after, before)",
        help_text="updated_at_after / updated_at_before: ISO 8601, inclusive.",
    )

    class Meta:
        model = Dashboard
        fields: list[str] = []


def _parameters(filterset: type[django_filters.FilterSet]) -> tuple[str, ...]:
    """The query parameters a FilterSet reads (a range reads `<name>_after`/`_before`)."""
    names: list[str] = []
    for name, declared in filterset.base_filters.items():
        suffixes = getattr(declared.field.widget, "suffixes", None)
        names += [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]
    return tuple(names)


PARAMETERS = _parameters(DashboardFilter)


def _errors(form: forms.Form) -> dict[str, list[str]]:
    """Form errors named as the query parameters (`created_at_after`, not `created_at`)."""
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        field = form.fields.get(name)
        if isinstance(field, UtcDateTimeRangeField):
            given = [p for p in (f"{name}_after", f"{name}_before") if form.data.get(p)]
            name = given[0] if len(given) == 1 else f"{name}_after/{name}_before"
        errors[name] = list(messages)
    return errors


class AppliedFilters:
    """A valid DashboardFilter (None: no filter parameter was sent): applies to each
    visibility source, and names itself."""

    def __init__(self, filterset: DashboardFilter | None) -> None:
        self.filterset = filterset

    def apply(self, sources: Sequence[QuerySet[Dashboard]]) -> list[QuerySet[Dashboard]]:
        if self.filterset is None:
            return list(sources)
        return [self.filterset.filter_queryset(source) for source in sources]

    @property
    def identity(self) -> str:
        """The filter as a stable string: for cached totals and cursor tokens."""
        cleaned = self.filterset.form.cleaned_data if self.filterset is not None else {}
        data = {k: v for k, v in cleaned.items() if v}
        return json.dumps(data, default=str, sort_keys=True)


def dashboard_filters(request: Request) -> AppliedFilters:
    if not any(name in request.query_params for name in PARAMETERS):
        # Building and validating the form was ~40% of an unfiltered list's view time.
        return AppliedFilters(None)
    filterset = DashboardFilter(
        data=request.query_params, queryset=Dashboard.objects.none(), request=request
    )
    if not filterset.is_valid():
        errors = _errors(filterset.form)
        raise InvalidQuery(details=errors)
    return AppliedFilters(filterset)


class V1FilterBackend(DjangoFilterBackend):
    """The browsable API's filter form; lists apply the filters per source themselves."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        return dashboard_filters(request).apply([queryset])[0]
