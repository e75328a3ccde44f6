"""The server-rendered pages: /dashboards/ and /dashboards/{id}/."""

import json
import re
import uuid

import pytest
from django.test import Client

from dashboards import services
from tests.factories import PASSWORD, DashboardFactory, WidgetFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(response) -> dict:
    match = re.search(
        r'<script id="dashboard-page" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


@pytest.fixture
def shared(project, alice):
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Sales <b>board</b>",
        refresh_interval=30,
        widgets=[
            {
                "id": "orders",
                "type": "kpi",
                "title": "Orders",
                "size": "small",
                "config": {"metric": "orders", "unit": "orders"},
            },
            {"id": "rev", "type": "revenue_chart", "title": "Revenue", "size": "large"},
            {
                "id": "notes",
                "type": "text",
                "title": "Notes",
                "size": "full",
                "config": {
                    "markdown": "## Hi\n**bold** <script>alert(1)</script> "
                    "[bad](javascript:alert(1)) [good](https://example.com)"
                },
            },
        ],
    )


@pytest.mark.parametrize("path", ["/dashboards/", f"/dashboards/{uuid.uuid4()}/"])
def test_anonymous_is_sent_to_the_login_page(path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_root_redirects_to_the_list():
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboards/"


def test_login_page_logs_in_and_goes_to_next(alice, shared):
    client = Client()
    form = client.get("/accounts/login/?next=/dashboards/")
    assert form.status_code == 200
    assert b'name="username"' in form.content

    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": f"/dashboards/{shared.pk}/"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/dashboards/{shared.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_wrong_password_shows_the_form_again(alice):
    response = Client().post("/accounts/login/", {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert b'role="alert"' in response.content


def test_list_shows_visible_dashboards_default_first(project, alice, bob, shared):
    mine = DashboardFactory(owner=bob, project=project, name="A mine")
    assigned = DashboardFactory(owner=alice, project=project, name="Z assigned")
    default = DashboardFactory(owner=alice, project=project, name="M default")
    DashboardFactory(owner=alice, project=project, name="Private of alice")
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=assigned)
    services.dashboard_assign(actor=alice, user_id=bob.pk, dashboard=default)
    services.dashboard_set_default(actor=bob, user_id=bob.pk, dashboard=default)

    response = logged_in(bob).get("/dashboards/")

    assert response.status_code == 200
    names = re.findall(r'<a href="/dashboards/[^"]+/">([^<]+)</a>', response.content.decode())
    assert names == ["M default", "Z assigned", "A mine", "Sales &lt;b&gt;board&lt;/b&gt;"]
    assert response.content.decode().count('class="badge">default<') == 1
    assert mine.pk  # bob's own private dashboard is listed


def test_list_query_count_does_not_grow_with_dashboards(
    project, alice, django_assert_max_num_queries
):
    for index in range(20):
        DashboardFactory(owner=alice, project=project, name=f"D{index}")
    client = logged_in(alice)
    with django_assert_max_num_queries(3):  # session, user, dashboards
        response = client.get("/dashboards/")

    assert response.content.decode().count('href="/dashboards/') == 21  # + the brand link


def test_list_is_empty_for_a_new_user(charlie):
    response = logged_in(charlie).get("/dashboards/")

    assert b"No dashboards yet" in response.content


def test_dashboard_page_lays_out_widgets_and_embeds_data(alice, shared, client_for):
    response = logged_in(alice).get(f"/dashboards/{shared.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sales &lt;b&gt;board&lt;/b&gt;" in html
    assert 'class="widget size-small type-kpi kind-number" data-widget="orders"' in html
    assert 'class="widget size-large type-revenue_chart kind-chart" data-widget="rev"' in html
    data = page_data(response)
    assert data["refreshInterval"] == 30
    orders = data["widgets"][0]
    assert orders["url"] == f"/api/dashboards/{shared.pk}/widgets/orders/data"
    assert orders["data"] == {"value": None, "aggregation": "last", "unit": "orders", "asOf": None}
    # The embedded ETag is the endpoint's: the first poll is a 304.
    api = client_for(alice).get(orders["url"], HTTP_IF_NONE_MATCH=orders["etag"])
    assert api.status_code == 304


def test_text_widget_markdown_is_rendered_safely(alice, shared):
    html = logged_in(alice).get(f"/dashboards/{shared.pk}/").content.decode()

    assert "<h2>Hi</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.com">good</a>' in html


def test_page_uses_the_vendored_chart_library(alice, shared):
    html = logged_in(alice).get(f"/dashboards/{shared.pk}/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)

    assert scripts == ["/static/dashboards/vendor/chart.umd.js", "/static/dashboards/dashboard.js"]
    for src in scripts:
        served = Client().get(src)
        assert served.status_code == 200
    assert b"Chart.js v4" in b"".join(Client().get(scripts[0]).streaming_content)


def test_project_member_sees_shared_dashboard(bob, shared):
    assert logged_in(bob).get(f"/dashboards/{shared.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["charlie", "bob"])
def test_invisible_dashboard_is_a_404_page(request, project, alice, who):
    private = DashboardFactory(owner=alice, project=project, scope="user")
    WidgetFactory(dashboard=private)

    response = logged_in(request.getfixturevalue(who)).get(f"/dashboards/{private.pk}/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Not found" in response.content


@pytest.mark.parametrize("dashboard_id", [uuid.uuid4(), "not-a-uuid"])
def test_missing_dashboard_is_a_404_page(alice, dashboard_id):
    response = logged_in(alice).get(f"/dashboards/{dashboard_id}/")

    assert response.status_code == 404
    assert b"Not found" in response.content


def test_dashboard_page_query_count_is_fixed(alice, shared, django_assert_max_num_queries):
    client = logged_in(alice)
    client.get(f"/dashboards/{shared.pk}/")  # warms the widget data cache
    # session, user, dashboard, widgets, the series versions of its metrics
    with django_assert_max_num_queries(5):
        assert client.get(f"/dashboards/{shared.pk}/").status_code == 200


# --- Dashboard variables on the live page -------------------------------------------------


@pytest.fixture
def with_variables(project, alice, settings):
    from dashboards import metrics

    settings.DASHBOARDS_FIXED_NOW = "2026-03-15T12:00:00+00:00"
    metrics.metrics_ingest(
        project=project,
        user=alice,
        body={
            "points": [
                {
                    "metric": "orders",
                    "timestamp": "2026-03-15T01:00:00Z",
                    "value": 1,
                    "dimensions": {"region": "north"},
                },
                {
                    "metric": "orders",
                    "timestamp": "2026-03-01T01:00:00Z",
                    "value": 10,
                    "dimensions": {"region": "south"},
                },
            ]
        },
    )
    return services.dashboard_create(
        user=alice,
        project=project,
        scope="project",
        name="Orders",
        definition={
            "variables": [
                {
                    "name": "timeRange",
                    "type": "timeRange",
                    "label": "Period",
                    "default": "last_30_days",
                },
                {
                    "name": "region",
                    "type": "dimension",
                    "dimension": "region",
                    "options": ["north", "south"],
                },
                {"name": "plan", "type": "dimension", "dimension": "plan"},
            ]
        },
        widgets=[
            {"id": "orders", "type": "kpi", "config": {"metric": "orders", "aggregation": "sum"}},
        ],
    )


def test_the_page_draws_a_picker_per_variable_with_the_urls_values(alice, with_variables):
    response = logged_in(alice).get(
        f"/dashboards/{with_variables.pk}/?var-timeRange=today&var-region=north"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="today" selected>Today</option>' in html
    assert '<option value="north" selected>north</option>' in html
    assert '<input type="search" name="plan" value=""' in html
    data = page_data(response)
    assert data["widgets"][0]["data"]["value"] == 1  # today, north
    assert [v["name"] for v in data["variables"]] == ["timeRange", "region", "plan"]
    assert data["variables"][0]["value"] == "today"
    assert data["widgets"][0]["csv"].endswith(
        "/data?format=csv&var-timeRange=today&var-region=north"
    )


def test_the_page_uses_the_defaults_without_values(alice, with_variables):
    response = logged_in(alice).get(f"/dashboards/{with_variables.pk}/")
    html = response.content.decode()
    assert '<option value="last_30_days" selected>Last 30 days</option>' in html
    assert '<option value="$__all" selected>All</option>' in html
    assert page_data(response)["widgets"][0]["data"]["value"] == 11


def test_a_stale_bookmark_opens_with_the_defaults_and_says_so(alice, with_variables):
    response = logged_in(alice).get(f"/dashboards/{with_variables.pk}/?var-region=east")
    assert response.status_code == 200
    assert "var-region: " in response.content.decode()
    assert "Showing the defaults." in response.content.decode()
    assert page_data(response)["widgets"][0]["data"]["value"] == 11
