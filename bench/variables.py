"""A dashboard read with variables vs without, against a running server.

    .venv/bin/python bench/variables.py --base http://127.0.0.1:8091 --token "$TOKEN"
    .venv/bin/python bench/variables.py --base ... --token ... --requests 20 --points 100  # smoke

Through the API only (so it runs against any deployment the token can write to): it creates
a dashboard in the caller's personal project with a `timeRange` and a `region` variable
(both without a default) and one widget of each data type, ingests `--points` points of
`orders` over the last 90 days in four regions, then times, interleaved request by request
so that both cases see the same machine:

- `without`: `GET /api/dashboards/{id}` (no range, no filter: each widget's own window),
- `with`: the same with `?var-timeRange=last_30_days&var-region=north`,

first cold (one request each, the cache has neither), then warm (`--requests` each, after
`--warmup`), reporting client-side latency over loopback (median, p95, p99) and the
throughput of one client. The dashboard is deleted at the end unless `--keep`. Prints a
Markdown table (for docs/performance.md).
"""

import argparse
import http.client
import json
import statistics
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from typing import Any

REGIONS = ["north", "south", "east", "west"]
WITH = {"var-timeRange": "last_30_days", "var-region": "north"}
WIDGETS = [
    {"id": "revenue", "type": "revenue_chart", "size": "large"},
    {"id": "subs", "type": "active_subscriptions", "size": "small"},
    {"id": "total", "type": "kpi", "size": "small", "config": {"metric": "orders"}},
    {"id": "daily", "type": "line_chart", "config": {"metric": "orders", "groupBy": "day"}},
    {
        "id": "regions",
        "type": "bar_chart",
        "config": {"metric": "orders", "groupBy": "dimension", "dimension": "region"},
    },
    {"id": "share", "type": "pie_chart", "config": {"metric": "orders", "dimension": "region"}},
    {"id": "monthly", "type": "table", "config": {"metric": "orders", "groupBy": "month"}},
]
VARIABLES = [
    {"name": "timeRange", "type": "timeRange", "default": None},
    {
        "name": "region",
        "type": "dimension",
        "dimension": "region",
        "default": None,
        "options": REGIONS,
    },
]


class Client:
    def __init__(self, base: str, token: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port or 80)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
        return response.status, json.loads(raw) if raw else None, elapsed


def setup(client: Client, points: int) -> tuple[str, str]:
    status, created, _ = client.call(
        "POST",
        "/api/dashboards",
        {
            "name": f"Variables bench {int(time.time())}",
            "definition": {"variables": VARIABLES},
            "widgets": WIDGETS,
        },
    )
    if status != 201:
        raise SystemExit(f"creating the dashboard answered {status}: {created}")
    dashboard_id = created["id"]
    _, dashboard, _ = client.call("GET", f"/api/dashboards/{dashboard_id}")
    project_id = dashboard["projectId"]
    now = datetime.now(UTC).replace(microsecond=0)
    step = timedelta(days=90) / max(points, 1)
    batch: list[dict[str, Any]] = []
    for index in range(points):
        moment = (now - step * index).strftime("%Y-%m-%dT%H:%M:%SZ")
        region = REGIONS[index % len(REGIONS)]
        batch += [
            {"metric": "orders", "timestamp": moment, "value": index % 17 + 1,
             "dimensions": {"region": region}},
            {"metric": "revenue", "timestamp": moment, "value": index % 23 + 10,
             "dimensions": {"region": region}},
        ]  # fmt: skip
        # 5,000 points a request: 10,000 of these are just over the 1 MiB body limit.
        if len(batch) >= 5000 or index == points - 1:
            status, answer, _ = client.call(
                "POST", f"/api/projects/{project_id}/metrics", {"points": batch}
            )
            if status != 200:
                raise SystemExit(f"ingestion answered {status}: {answer}")
            batch = []
    return dashboard_id, project_id


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8091")
    parser.add_argument("--token", required=True, help="A JWT access token (Bearer).")
    parser.add_argument("--requests", type=int, default=500, help="Warm requests per case.")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--points", type=int, default=20000, help="Points per metric.")
    parser.add_argument("--keep", action="store_true", help="Keep the dashboard afterwards.")
    args = parser.parse_args()

    client = Client(args.base, args.token)
    dashboard_id, _ = setup(client, args.points)
    paths = {
        "without": f"/api/dashboards/{dashboard_id}",
        "with": f"/api/dashboards/{dashboard_id}?{urllib.parse.urlencode(WITH)}",
    }
    try:
        cold = {}
        for name, path in paths.items():
            status, body, elapsed = client.call("GET", path)
            if status != 200:
                raise SystemExit(f"{name} answered {status}: {body}")
            cold[name] = elapsed * 1000
        for _ in range(args.warmup):
            for path in paths.values():
                client.call("GET", path)
        timings: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(args.requests):
            for name, path in paths.items():  # interleaved: both see the same moment
                status, _, elapsed = client.call("GET", path)
                if status != 200:
                    raise SystemExit(f"{name} answered {status}")
                timings[name].append(elapsed * 1000)
    finally:
        if not args.keep:
            client.call("DELETE", f"/api/dashboards/{dashboard_id}")

    print(f"Dashboard read, 7 data widgets, {args.points} points per metric, one client")
    print(f"(warm: {args.requests} requests per case, interleaved; times in ms)\n")
    print("| case | cold | warm median | p95 | p99 | req/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"| {name} variables | {cold[name]:.1f} | {median:.2f} | "
            f"{percentile(values, 0.95):.2f} | {percentile(values, 0.99):.2f} | "
            f"{1000 / statistics.mean(values):.0f} |"
        )
    ratio = statistics.median(timings["with"]) / statistics.median(timings["without"])
    print(f"\nwith / without (warm median): {ratio:.2f}")


if __name__ == "__main__":
    main()
