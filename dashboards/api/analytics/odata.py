"""OData query options of the dashboard list (interim: paging and default order only;
`$filter` and `$orderby` arrive with the full parser)."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import QueryDict

from dashboards.exceptions import InvalidQuery

DEFAULT_TOP = 100
MAX_TOP = 1000


@dataclass(frozen=True)
class ListQuery:
    filter: Q | None = None
    order_by: list[str] = field(default_factory=lambda: ["created_at", "id"])
    top: int = DEFAULT_TOP
    skip: int = 0


def _int(params: QueryDict, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidQuery(details={name: [f"Must be an integer from {low} to {high}."]})
    return int(raw)


def parse_list_query(params: QueryDict) -> ListQuery:
    for name in params:
        if name.startswith("$") and name not in {"$top", "$skip"}:
            raise InvalidQuery(details={name: ["Not supported yet."]})
    return ListQuery(
        top=_int(params, "$top", DEFAULT_TOP, 1, MAX_TOP),
        skip=_int(params, "$skip", 0, 0, 2**31 - 1),
    )


def apply_list_query(queryset: QuerySet, query: ListQuery) -> QuerySet:
    if query.filter is not None:
        queryset = queryset.filter(query.filter)
    return queryset.order_by(*query.order_by)
