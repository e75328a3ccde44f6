"""The root URLconf tries the API families in the order that routes the hot reads fastest
(dashboards_site/urls.py). That order must never change which view a path reaches: every
API route, reversed with sample arguments, resolves back to itself."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

SAMPLES = ("3f2c6a2e-8c1a-4d5b-9a57-5d1f0c1e2b3a", "7", "revenue")


def _api_routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _api_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name and route.startswith("api/"):
            groups = list(pattern.pattern.regex.groupindex)
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield pytest.param(name, groups, route, id=route)


ROUTES = list(_api_routes(get_resolver().url_patterns))


def test_every_api_family_is_walked():
    namespaces = {name.partition(":")[0] for name, _, _ in (p.values for p in ROUTES)}
    assert {"analytics", "widget-data", "v1"} <= namespaces
    assert len(ROUTES) > 40


@pytest.mark.parametrize(("name", "groups", "route"), ROUTES)
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_route_resolves_to_itself(name, groups, route, sample):
    path = reverse(name, kwargs=dict.fromkeys(groups, sample))
    match = resolve(path)
    assert match.view_name == name, f"{path} reached {match.view_name}, not {name} ({route})"
