"""OData list options for GET /api/dashboards: parse_list_query, then the page as the view
reads it (the visibility sources merged by `dashboards.paging`: UNION on PostgreSQL, OR on
SQLite), on both databases.

Four visible dashboards, A-D, and one of bob's that alice cannot see:

    A  Regional Sales     user     sales      60s   3 widgets  created 2026-01-10 12:00, edited
    B  Executive Summary  project  executive   0s   0 widgets  created 2026-01-05
    C  O'Brien's board    user     custom    300s   1 widget   created 2026-02-01, other project
    D  Marketing KPIs     project  marketing 3600s  2 widgets  created 2026-03-01, owned by dave
"""

import datetime as dt

import pytest
from django.http import QueryDict

from dashboards import paging, selectors
from dashboards.api.analytics import odata
from dashboards.api.analytics.odata import ListQuery, apply_list_query, parse_list_query
from dashboards.exceptions import InvalidQuery
from dashboards.models import Dashboard
from tests.factories import DashboardFactory, ProjectFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def data(alice, bob, dave, project):
    ops = ProjectFactory(owner=alice, name="Ops")
    specs = {
        "A": dict(
            owner=alice, project=project, name="Regional Sales", scope="user",
            description="Revenue by region", type="sales", refresh_interval=60,
        ),
        "B": dict(
            owner=alice, project=project, name="Executive Summary", scope="project",
            description="", type="executive", refresh_interval=0,
        ),
        "C": dict(
            owner=alice, project=ops, name="O'Brien's board", scope="user",
            description="100% done_now", type="custom", refresh_interval=300,
        ),
        "D": dict(
            owner=dave, project=project, name="Marketing KPIs", scope="project",
            description="  padded  ", type="marketing", refresh_interval=3600,
        ),
    }  # fmt: skip
    times = {
        "A": (utc(2026, 1, 10, 12), utc(2026, 2, 15)),
        "B": (utc(2026, 1, 5), utc(2026, 1, 5)),
        "C": (utc(2026, 2, 1), utc(2026, 2, 1)),
        "D": (utc(2026, 3, 1), utc(2026, 3, 1)),
    }
    widgets = {"A": 3, "B": 0, "C": 1, "D": 2}
    dashboards = {}
    for letter, spec in specs.items():
        dashboard = DashboardFactory(**spec)
        WidgetFactory.create_batch(widgets[letter], dashboard=dashboard)
        created, updated = times[letter]
        # update() bypasses auto_now, so the timestamps are exactly these.
        Dashboard.objects.filter(pk=dashboard.pk).update(created_at=created, updated_at=updated)
        dashboards[letter] = dashboard
    hidden = DashboardFactory(owner=bob, name="Hidden Sales", type="sales", refresh_interval=60)
    WidgetFactory(dashboard=hidden)
    return {
        "dashboards": dashboards,
        "alice": alice,
        "dave": dave,
        "project": project,
        "ops": ops,
        "hidden": hidden,
    }


def run(data, **params: str) -> list[str]:
    """The letters of the matching dashboards, in the order the query gives them."""
    query_dict = QueryDict(mutable=True)
    for key, value in params.items():
        query_dict[key.replace("S_", "$")] = value
    query = parse_list_query(query_dict)
    rows, _ = paging.fetch_page(
        selectors.dashboard_sources(user=data["alice"]),
        condition=query.filter,
        order=query.order_by,
        fields=["id"],
        limit=query.top,
        offset=query.skip,
        after=query.after,
    )
    by_id = {d.pk: letter for letter, d in data["dashboards"].items()}
    # apply_list_query (the single-queryset form) must agree with the merged sources.
    single = apply_list_query(selectors.dashboard_list(user=data["alice"]), query)
    assert [r["id"] for r in rows] == list(
        single[query.skip : query.skip + query.top].values_list("id", flat=True)
    )
    return [by_id.get(row["id"], "hidden") for row in rows]


def filter_(data, expression: str) -> list[str]:
    return run(data, S_filter=expression)


def refused(params: dict[str, str]) -> InvalidQuery:
    query_dict = QueryDict(mutable=True)
    for key, value in params.items():
        query_dict[key] = value
    with pytest.raises(InvalidQuery) as caught:
        parse_list_query(query_dict)
    assert caught.value.code == "INVALID_QUERY"
    return caught.value


GOOD_FILTERS = [
    # Equality and case
    ("name eq 'Regional Sales'", "A"),
    ("name eq 'regional sales'", ""),
    ("tolower(name) eq 'regional sales'", "A"),
    ("toupper(type) eq 'SALES'", "A"),
    ("name EQ 'Regional Sales' AND type eq 'sales'", "A"),
    ("   name eq 'Regional Sales'   ", "A"),
    ("name eq 'O''Brien''s board'", "C"),
    ("'Regional Sales' eq name", "A"),
    # Substring functions: case-insensitive, % and _ are literal characters
    ("contains(name,'sales')", "A"),
    ("contains(name, 'SALES')", "A"),
    ("startswith(name,'exec')", "B"),
    ("endswith(name,'KPIs')", "D"),
    ("contains(description,'100%')", "C"),
    ("contains(description,'_')", "C"),
    ("contains(tolower(name),'sales')", "A"),
    ("contains(name,'')", "BACD"),
    ("not contains(name,'sales')", "BCD"),
    # Strings: empty, ne, trim, length
    ("description eq ''", "B"),
    ("description ne ''", "ACD"),
    ("trim(description) eq 'padded'", "D"),
    ("length(name) eq 14", "AD"),
    ("length(trim(description)) gt 10", "AC"),
    # or, in, not, parentheses
    ("type eq 'sales' or type eq 'custom'", "AC"),
    ("type in ('sales', 'custom')", "AC"),
    ("type in ('sales',)", "A"),
    ("scope eq 'project'", "BD"),
    ("scope eq 'team'", ""),
    ("not (scope eq 'user')", "BD"),
    ("(type eq 'sales' or type eq 'marketing') and refreshInterval gt 100", "D"),
    ("(((((((((((name eq 'Executive Summary')))))))))))", "B"),
    # Integers
    ("refreshInterval eq 0", "B"),
    ("refreshInterval gt 60", "CD"),
    ("refreshInterval ge 60 and refreshInterval le 300", "AC"),
    ("refreshInterval in (0, 3600)", "BD"),
    ("300 lt refreshInterval", "D"),
    ("refreshInterval ne 60", "BCD"),
    # The aggregate: widgetCount goes to HAVING, also inside an or with a plain column
    ("widgetCount eq 0", "B"),
    ("widgetCount ge 2", "AD"),
    ("widgetCount gt 0 and scope eq 'user'", "AC"),
    ("widgetCount eq 0 or name eq 'Marketing KPIs'", "BD"),
    ("widgetCount in (1, 3)", "AC"),
    # Date-times: Z, offsets, no offset (UTC), bare dates (midnight UTC), field vs field
    ("createdAt ge 2026-02-01T00:00:00Z", "CD"),
    ("createdAt lt 2026-01-10T00:00:00Z", "B"),
    ("createdAt ge 2026-01-10", "ACD"),
    ("createdAt lt 2026-01-10T13:00:00+02:00", "B"),
    ("createdAt lt 2026-01-10T15:00:00+02:00", "BA"),
    ("createdAt gt 2026-01-10T12:00:00", "CD"),
    ("createdAt eq 2026-01-10T12:00:00.000Z", "A"),
    ("updatedAt gt createdAt", "A"),
    ("updatedAt ge 2026-02-15T00:00:00Z", "AD"),
    # null: no listed field is nullable
    ("name eq null", ""),
    ("description ne null", "BACD"),
    ("null eq description", ""),
    # Plain strings that look like injection match nothing and change nothing
    ("name eq 'x'' or 1 eq 1'", ""),
    ("name eq '''; drop table dashboards_dashboard; --'", ""),
    ("contains(name, 'Hidden')", ""),
]


@pytest.mark.parametrize(("expression", "expected"), GOOD_FILTERS)
def test_filter_matches_exactly(data, expression, expected):
    assert filter_(data, expression) == list(expected)


def test_filter_injection_strings_leave_the_table_intact(data):
    filter_(data, "name eq '''; drop table dashboards_dashboard; --'")
    assert Dashboard.objects.count() == 5


def test_filter_on_project_guid_literal_and_string(data):
    ops, project = data["ops"].pk, data["project"].pk
    assert filter_(data, f"projectId eq {ops}") == ["C"]
    assert filter_(data, f"projectId eq '{ops}'") == ["C"]
    assert filter_(data, f"projectId eq {str(ops).upper()}") == ["C"]
    assert filter_(data, f"projectId in ({project},)") == ["B", "A", "D"]
    assert filter_(data, f"projectId ne {project}") == ["C"]


def test_filter_on_owner_id(data):
    assert filter_(data, f"ownerId eq {data['dave'].pk}") == ["D"]
    assert filter_(data, f"ownerId ne {data['dave'].pk}") == ["B", "A", "C"]
    assert filter_(data, f"ownerId in ({data['alice'].pk}, {data['dave'].pk})") == list("BACD")


def test_a_long_or_chain_within_the_limits_works(data):
    # 90 terms, each a level of the tree: the library's own visitor nears RecursionError
    # here; fine in ours because a chain of one operator is flattened.
    expression = " or ".join([f"type eq 'x{i}'" for i in range(89)] + ["type eq 'sales'"])
    assert len(expression) < odata.MAX_FILTER_LENGTH
    assert filter_(data, expression) == ["A"]


def test_twenty_nested_nots_cancel_out(data):
    expression = "not (" * 20 + "name eq 'Regional Sales'" + ")" * 20
    assert filter_(data, expression) == ["A"]


def test_an_in_list_at_the_limit_works(data):
    values = ", ".join(str(n) for n in range(1000, 1000 + odata.MAX_IN_ITEMS - 2)) + ", 0, 3600"
    assert filter_(data, f"refreshInterval in ({values})") == ["B", "D"]


ORDERINGS = [
    ("", "BACD"),
    ("name", "BDCA"),
    ("name asc", "BDCA"),
    ("name desc", "ACDB"),
    ("name DESC", "ACDB"),
    ("type", "CBDA"),
    ("refreshInterval desc", "DCAB"),
    ("widgetCount desc", "ADCB"),
    ("widgetCount", "BCDA"),
    ("createdAt desc", "DCAB"),
    ("updatedAt desc", "DACB"),
    ("scope, name desc", "DBAC"),
    ("scope desc,name", "CABD"),
    ("  type desc  ", "ADBC"),
]


@pytest.mark.parametrize(("orderby", "expected"), ORDERINGS)
def test_orderby_gives_this_order(data, orderby, expected):
    assert run(data, S_orderby=orderby) == list(expected)


def test_orderby_ties_break_on_id(data):
    dashboards = data["dashboards"]
    by_id = sorted(dashboards, key=lambda letter: dashboards[letter].pk)
    project_scope = [letter for letter in by_id if letter in "BD"]
    user_scope = [letter for letter in by_id if letter in "AC"]
    assert run(data, S_orderby="scope") == project_scope + user_scope
    # Descending: the tie-breaker follows the last term's direction (one index, backwards).
    assert run(data, S_orderby="scope desc") == user_scope[::-1] + project_scope[::-1]


@pytest.mark.parametrize(
    ("orderby", "order_by"),
    [
        ("", ["created_at", "id"]),
        ("widgetCount desc", ["-widget_count", "-id"]),
        ("projectId,ownerId desc", ["project_id", "-owner_id", "-id"]),
        ("ownerId desc,projectId", ["-owner_id", "project_id", "id"]),
        (
            "name,description,type,refreshInterval,updatedAt desc",
            ["name", "description", "type", "refresh_interval", "-updated_at", "-id"],
        ),
    ],
)
def test_orderby_maps_api_names_and_ends_with_id_in_the_last_direction(orderby, order_by):
    assert parse_list_query(QueryDict(f"$orderby={orderby}")).order_by == order_by


def test_filter_and_orderby_and_paging_together(data):
    assert run(data, S_filter="scope eq 'user' or widgetCount gt 1", S_orderby="name") == list(
        "DCA"
    )
    assert run(data, S_orderby="name", S_top="2", S_skip="1") == ["D", "C"]
    assert run(data, S_orderby="name", S_skip="4") == []


@pytest.mark.parametrize(
    ("query_string", "top", "skip"),
    [
        ("", 100, 0),
        ("$top=1", 1, 0),
        ("$top=1000&$skip=10000", 1000, 10_000),
        ("$top=050", 50, 0),
        ("$top=&$skip=", 100, 0),
        ("$count=true&format=json&page=3", 100, 0),
        ("$count=false", 100, 0),
        ("$skip=7", 100, 7),
    ],
)
def test_paging_options(query_string, top, skip):
    query = parse_list_query(QueryDict(query_string))
    assert (query.top, query.skip) == (top, skip)


def test_no_options_is_the_default_query():
    assert parse_list_query(QueryDict("")) == ListQuery(
        filter=None, order_by=["created_at", "id"], top=100, skip=0
    )


def test_blank_filter_is_no_filter():
    assert parse_list_query(QueryDict("$filter=%20%20")).filter is None


def test_every_listed_field_is_not_nullable():
    # docs/odata.md: `ne` is SQL `NOT (a = b)`, which equals OData's `ne` only while no
    # listed field can be NULL. A nullable field added to FIELDS must revisit that.
    for api_name, field_name in odata.FIELDS.items():
        if api_name == "widgetCount":
            continue  # COUNT() is never NULL
        assert not Dashboard._meta.get_field(field_name).null, api_name


BAD_FILTERS = [
    # Injection attempts and related-model paths
    ("name eq 'x'' or 1 eq 1", "Syntax error"),
    ("name eq ''; drop table dashboards_dashboard; --", "Syntax error"),
    ("owner/password eq 'x'", "owner/password"),
    ("startswith(owner/password,'pbkdf2')", "owner/password"),
    ("owner__password eq 'x'", "Unknown field 'owner__password'"),
    ("owner__is_superuser eq true", "Unknown field"),
    ("project/name eq 'Analytics'", "project/name"),
    ("project/owner/password eq 'x'", "project/owner/password"),
    ("widgets/any(w: w/title eq 'x')", "any, all"),
    ("widgets/all(w: w/title eq 'x')", "any, all"),
    ("matchesPattern(name,'.*')", "'matchesPattern' is not supported"),
    ("substring(name,1) eq 'x'", "'substring' is not supported"),
    ("createdAt lt now()", "'now' is not supported"),
    ("geo.intersects(name, geography'POINT(0 0)')", "not supported"),
    # Unknown or namespaced fields
    ("password eq 'x'", "Unknown field 'password'"),
    ("id eq 1", "Unknown field 'id'"),
    ("Name eq 'x'", "did you mean 'name'"),
    ("my.name eq 'x'", "Unknown field 'my.name'"),
    # Arithmetic
    ("refreshInterval add 1 eq 61", "Arithmetic"),
    ("refreshInterval mod 2 eq 0", "Arithmetic"),
    ("-refreshInterval eq -60", "Arithmetic"),
    # Wrong literal types
    ("refreshInterval eq 'abc'", "refreshInterval takes an integer"),
    ("refreshInterval eq 5.5", "not a decimal number"),
    ("refreshInterval lt 99999999999999999999999", "out of range"),
    ("name eq 1", "name takes a quoted string"),
    ("type in (1, 2)", "type takes a quoted string"),
    ("ownerId eq 'alice'", "ownerId takes an integer"),
    ("createdAt gt 'yesterday'", "createdAt takes a date-time"),
    ("createdAt gt '2026-01-01T00:00:00Z'", "(unquoted)"),
    ("createdAt eq 12:00:00", "not a time of day"),
    ("name eq duration'P1D'", "not a duration"),
    ("name eq true", "not a boolean"),
    ("projectId eq 'not-a-guid'", "not a valid GUID"),
    ("projectId eq 5", "projectId takes a GUID"),
    ("name eq refreshInterval", "Cannot compare name with refreshInterval"),
    ("name eq ('a','b')", "not a list"),
    ("contains(refreshInterval,'1')", "text fields"),
    ("contains(name, 1)", "quoted string"),
    ("length(refreshInterval) eq 1", "text fields"),
    ("tolower(name) gt null", "null can only be compared"),
    ("name eq 'a\x00b'", "NUL"),
    # Invalid dates
    ("createdAt gt 2024-02-30T00:00:00Z", "not a valid date-time"),
    ("createdAt gt 2024-13-01", "Syntax error at position 18"),
    ("createdAt lt 9999-12-31T23:59:59-01:00", "not a valid date-time"),
    # Not conditions, no field, broken syntax
    ("name", "not a condition"),
    ("true", "not a condition"),
    ("1 eq 1", "needs a field"),
    ("null eq null", "needs a field"),
    ("'a' in ('a',)", "needs a field"),
    ("(name eq 'a') eq true", "not a condition"),
    ("name eq 'a' and", "Syntax error at position 12 near ' and'"),
    ("(name eq 'a'", "ends unexpectedly"),
    ("name eq", "Syntax error at position 5 near ' eq'"),
    ("name in ('a')", "Syntax error"),
    ("name in 'a'", "Syntax error"),
    ('name eq "x"', "Syntax error"),
    ("not(name eq 'a')", "with a space"),
    ("contains(name)", "takes 2 arguments"),
    ("name eq 'a' name eq 'b'", "Syntax error"),
]


@pytest.mark.parametrize(("expression", "message"), BAD_FILTERS)
def test_bad_filter_is_invalid_query(data, expression, message):
    error = refused({"$filter": expression})
    assert list(error.details) == ["$filter"]
    assert message in error.details["$filter"][0]
    assert error.message.startswith("$filter: ")


def test_400_nested_nots_are_refused_by_length():
    expression = "not (" * 400 + "name eq 'a'" + ")" * 400
    error = refused({"$filter": expression})
    assert "limit is 2000" in error.details["$filter"][0]


def test_300_nested_nots_within_the_length_are_refused_by_depth():
    # The library's own visitor raises RecursionError at this depth.
    expression = "not (" * 300 + "name eq 'a'" + ")" * 300
    assert len(expression) <= odata.MAX_FILTER_LENGTH
    error = refused({"$filter": expression})
    assert "nested too deeply" in error.details["$filter"][0]


def test_deep_alternating_and_or_is_refused_by_depth():
    expression = "name eq 'a'"
    for level in range(40):
        op = "and" if level % 2 else "or"
        expression = f"type eq 't' {op} ({expression})"
    assert len(expression) <= odata.MAX_FILTER_LENGTH
    error = refused({"$filter": expression})
    assert "nested too deeply" in error.details["$filter"][0]


def test_500_term_or_chain_is_refused():
    expression = " or ".join(f"name eq 'n{i}'" for i in range(500))
    error = refused({"$filter": expression})
    assert "limit is 2000" in error.details["$filter"][0]


def test_too_many_terms_are_refused():
    # Short enough and flat, but over the node limit.
    expression = " or ".join("name eq 'a'" for _ in range(120))
    assert len(expression) <= odata.MAX_FILTER_LENGTH
    error = refused({"$filter": expression})
    assert "too complex" in error.details["$filter"][0]


def test_over_long_expression_is_refused():
    error = refused({"$filter": "name eq '" + "a" * 2000 + "'"})
    assert "limit is 2000" in error.details["$filter"][0]


def test_in_list_over_the_limit_is_refused():
    values = ", ".join(str(n) for n in range(odata.MAX_IN_ITEMS + 1))
    error = refused({"$filter": f"refreshInterval in ({values})"})
    assert "at most 100 values" in error.details["$filter"][0]


BAD_OPTIONS = [
    ({"$orderby": "password"}, "$orderby", "Unknown field 'password'"),
    ({"$orderby": "owner/password"}, "$orderby", "Unknown field"),
    ({"$orderby": "owner__password"}, "$orderby", "Unknown field"),
    ({"$orderby": "id"}, "$orderby", "Unknown field 'id'"),
    ({"$orderby": "-name"}, "$orderby", "Unknown field '-name'"),
    ({"$orderby": "name sideways"}, "$orderby", "not asc or desc"),
    ({"$orderby": "name asc desc"}, "$orderby", "is not 'field [asc|desc]'"),
    ({"$orderby": "name, name desc"}, "$orderby", "appears twice"),
    ({"$orderby": "name,,type"}, "$orderby", "Empty sort term"),
    ({"$orderby": "name,"}, "$orderby", "Empty sort term"),
    ({"$orderby": "name,type,scope,createdAt,updatedAt,widgetCount"}, "$orderby", "At most 5"),
    ({"$top": "0"}, "$top", "from 1 to 1000"),
    ({"$top": "1001"}, "$top", "from 1 to 1000"),
    ({"$top": "abc"}, "$top", "whole number"),
    ({"$top": "-1"}, "$top", "whole number"),
    ({"$top": "+5"}, "$top", "whole number"),
    ({"$top": "1.5"}, "$top", "whole number"),
    ({"$top": "1e3"}, "$top", "whole number"),
    ({"$top": "1_0"}, "$top", "whole number"),
    ({"$top": "\uff19"}, "$top", "whole number"),  # fullwidth 9: isdigit() but not ASCII
    ({"$top": "9" * 5000}, "$top", "whole number"),
    ({"$skip": "-1"}, "$skip", "from 0 to 10000"),
    ({"$skip": "10001"}, "$skip", "follow nextLink"),
    ({"$skip": "500000"}, "$skip", "from 0 to 10000"),
    ({"$skip": "abc"}, "$skip", "whole number"),
    ({"$expand": "owner"}, "$expand", "$expand is not supported"),
    ({"$select": "name"}, "$select", "not supported"),
    ({"$search": "sales"}, "$search", "not supported"),
    ({"$format": "json"}, "$format", "not supported"),
    ({"$apply": "groupby((type))"}, "$apply", "not supported"),
    ({"$filtr": "name eq 'a'"}, "$filtr", "not supported"),
    ({"$Filter": "name eq 'a'"}, "$Filter", "not supported"),
    ({"$count": "maybe"}, "$count", "true or false"),
]


@pytest.mark.parametrize(("params", "key", "message"), BAD_OPTIONS)
def test_bad_option_is_invalid_query(params, key, message):
    error = refused(params)
    assert list(error.details) == [key]
    assert message in error.details[key][0]
    assert error.message.startswith(f"{key}: ")


def test_an_option_given_twice_is_refused():
    with pytest.raises(InvalidQuery) as caught:
        parse_list_query(QueryDict("$top=1&$top=2"))
    assert caught.value.details == {"$top": ["Given more than once."]}


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidQuery) as caught:
        parse_list_query(QueryDict("$top=0&$skip=-1&$expand=owner&$filter=password%20eq%201"))
    assert set(caught.value.details) == {"$top", "$skip", "$expand", "$filter"}
