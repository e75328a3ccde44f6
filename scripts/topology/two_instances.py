"""Two app instances behind one nginx share throttles, caches and sessions.

Talks to each instance directly (A and B) and through nginx:
- a dashboard created on A is read on B (the database);
- a session logged in on A is accepted by B (sessions in the database);
- new metric points ingested on A change the widget data B serves (the data version in the
  shared cache, not a per-process copy);
- a write throttle counts across both: with THROTTLE_USER=N/min, N writes alternating A and
  B, then the next write on either is 429.

    python scripts/topology/two_instances.py http://A http://B http://nginx USER PASSWORD N
"""

import http.cookiejar
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid


def call(base, method, path, body=None, token=None, opener=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text.startswith(("{", "[")) else text)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, (json.loads(text) if text.startswith("{") else text)


def main() -> int:
    a, b, proxy, username, password, limit = sys.argv[1:7]
    limit = int(limit)
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")

    status, tokens = call(
        proxy, "POST", "/api/auth/token/", {"username": username, "password": password}
    )
    assert status == 200, (status, tokens)
    token = tokens["access"]

    # A write on one is read on the other.
    name = f"shared-{uuid.uuid4().hex[:8]}"
    status, created = call(
        a,
        "POST",
        "/api/dashboards",
        {
            "name": name,
            "widgets": [
                {"id": "rev", "type": "revenue_chart", "title": "Revenue", "size": "large"}
            ],
        },
        token,
    )
    check("create on A", status == 201, status)
    status, read = call(b, "GET", f"/api/dashboards/{created['id']}", token=token)
    check("read on B", status == 200 and read["name"] == name, status)

    # Caches: points ingested on A show in the widget data B serves.
    project_id = read["projectId"]
    status, before = call(
        b, "GET", f"/api/dashboards/{created['id']}/widgets/rev/data", token=token
    )
    points = {"points": [{"metric": "revenue", "timestamp": "2026-01-03T10:00:00Z", "value": 1234}]}
    status_ingest, _ = call(a, "POST", f"/api/projects/{project_id}/metrics", points, token)
    status, after = call(b, "GET", f"/api/dashboards/{created['id']}/widgets/rev/data", token=token)
    check(
        "widget data on B after ingesting on A",
        status_ingest == 200 and status == 200 and after["data"] != before["data"],
        f"before={before['data']} after={after['data']}",
    )

    # Sessions: log in on A (the browsable API's form), use the cookie on B.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(a + "/api-auth/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf,
            "next": "/api/users/me",
        }
    ).encode()
    login = urllib.request.Request(a + "/api-auth/login/", data=form, method="POST")
    login.add_header("Referer", a + "/api-auth/login/")
    opener.open(login, timeout=10).read()
    status, me = call(
        b, "GET", "/api/users/me", opener=opener, headers={"Accept": "application/json"}
    )
    check("session from A accepted on B", status == 200 and me.get("username") == username, status)

    # Throttles: the limit counts writes on both instances.
    statuses = []
    for i in range(limit + 2):
        base = a if i % 2 == 0 else b
        status, _ = call(base, "POST", f"/api/projects/{project_id}/metrics", points, token)
        statuses.append(status)
    used = 2  # the create and the ingest above counted too
    over = [s for s in statuses if s == 429]
    check(
        f"throttle of {limit}/min counts across A and B",
        statuses[: limit - used] == [200] * (limit - used) and over and statuses[-1] == 429,
        statuses,
    )
    print(f"two instances: {sum(results)} of {len(results)} checks passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
