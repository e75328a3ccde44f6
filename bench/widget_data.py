"""Widget data at scale and ingestion rate, against gunicorn (2 sync workers) on PostgreSQL.

    .venv/bin/python bench/widget_data.py                      # 100k vs 10M points, 1 dimension
    .venv/bin/python bench/widget_data.py --sizes 100000 --reps 3   # a quick smoke run
    .venv/bin/python bench/widget_data.py --keep               # keep the databases for reruns
    .venv/bin/python bench/widget_data.py --reuse              # reuse kept databases

For each size it builds a database with `manage.py bench_data` (SQL generation, rollups and
series rows as ingestion leaves them), starts gunicorn and a private Redis (port 6392, the
cache), then measures with a JWT:

- each widget of the "Every widget" dashboard through its data endpoint, **cold** (the
  Redis flushed before every request): median of `--reps` requests, server-side work
  included, over loopback;
- the dashboard with one widget of each type, cold;
- ingestion: 100,000 points per client (10 requests of 10,000, or 15 of at most 7,000 with
  more than one dimension), with 1 and with 2 concurrent clients,
  with rollups (the default) and without (`METRICS_ROLLUPS=0`, its own gunicorn); points
  carry as many dimensions as the data set (`point_dimensions`);
- the RSS of each gunicorn worker after all of it (the maximum seen while sampling).

It prints one markdown table per part. Databases are named
`data_bench_<size>_<dimensions>` and dropped at the end unless `--keep`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAtc"]
REDIS_PORT = 6392


def sh(args: list[str], env: dict | None = None, capture: bool = False) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=capture, text=True)
    return done.stdout if capture else ""


def database_exists(name: str) -> bool:
    return (
        sh([*PG, f"select 1 from pg_database where datname = '{name}'"], capture=True).strip()
        == "1"
    )


def base_env(database: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "SECRET_KEY": "bench-widget-data-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "THROTTLE_USER": "100000000/min",
        "DJANGO_SETTINGS_MODULE": "dashboards_site.settings",
        "DJANGO_PLAIN_STATIC": "1",
        # Cold means computed: no widget data or dashboard body kept in the workers between
        # requests (docs/held-responses.md).
        "WIDGET_DATA_HELD_BYTES": "0",
        "HELD_DASHBOARDS_BYTES": "0",
        **extra,
    }


def ensure_redis() -> subprocess.Popen | None:
    try:
        sh(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture=True)
        return None
    except subprocess.CalledProcessError:
        pass
    server = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            sh(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture=True)
            break
        except subprocess.CalledProcessError:
            time.sleep(0.1)
    return server


def flush_cache() -> None:
    sh(["redis-cli", "-p", str(REDIS_PORT), "flushall"], capture=True)


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [GUNICORN, "dashboards_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "30", "--access-logfile", "/dev/null",
             "--error-logfile", "/tmp/bench-widget-data-gunicorn.log"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        self.rss_max: dict[int, int] = {}
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        out = sh(["pgrep", "-P", str(self.process.pid)], capture=True)
        return [int(pid) for pid in out.split()]

    def sample_rss(self) -> None:
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            kb = int(
                next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
            )
            self.rss_max[pid] = max(self.rss_max.get(pid, 0), kb)

    def stop(self) -> None:
        self.sample_rss()
        self.process.terminate()
        self.process.wait(timeout=30)


def request(url: str, token: str, body: bytes | None = None) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            data = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        data, status = error.read(), error.code
    return status, data, time.perf_counter() - started


def token_for(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup()\n"
        "from users.models import User\n"
        "from users.tokens import ClaimsRefreshToken\n"
        "print(ClaimsRefreshToken.for_user(User.objects.get(username='bench')).access_token)\n"
    )
    return sh([PYTHON, "-c", code], env=env, capture=True).strip()


def cold_reads(server: Server, token: str, summary: dict, reps: int) -> dict[str, float]:
    dashboard = summary["everyWidget"]
    status, body, _ = request(f"{server.base}/api/dashboards/{dashboard}", token)
    assert status == 200, body[:300]
    widgets = [w["id"] for w in json.loads(body)["widgets"]]
    results: dict[str, float] = {}
    for widget in widgets:
        times = []
        for _ in range(reps):
            flush_cache()
            status, body, elapsed = request(
                f"{server.base}/api/dashboards/{dashboard}/widgets/{widget}/data", token
            )
            assert status == 200, (widget, status, body[:300])
            times.append(elapsed)
            server.sample_rss()
        results[widget] = statistics.median(times) * 1000
    times = []
    for _ in range(reps):
        flush_cache()
        status, body, elapsed = request(f"{server.base}/api/dashboards/{dashboard}", token)
        assert status == 200
        assert not any("error" in w for w in json.loads(body)["widgets"]), body[:500]
        times.append(elapsed)
        server.sample_rss()
    results["dashboard, one widget of each type"] = statistics.median(times) * 1000
    return results


def point_dimensions(n: int, dimensions: int) -> dict[str, str]:
    """One dimension: 4 regions. Two or three: 20 values each (bench_data's names), every
    combination in turn, so a day's points cover all 8,000 sets of three."""
    if dimensions <= 1:
        return {"region": "nsew"[n % 4]}
    names = ("region", "plan", "channel")[:dimensions]
    return {name: f"{name[0]}{n // 20**i % 20:02d}" for i, name in enumerate(names)}


POINTS_PER_CLIENT = 100_000


def ingest_bodies(client: int, metric: str, dimensions: int) -> list[bytes]:
    """POINTS_PER_CLIENT points in requests of 10,000, or of 7,000 when points carry two or
    three dimensions (10,000 of those are over the 1 MiB body limit)."""
    start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=40 * client)
    batch = 10_000 if dimensions <= 1 else 7_000
    bodies = []
    for first in range(0, POINTS_PER_CLIENT, batch):
        points = []
        for n in range(first, min(first + batch, POINTS_PER_CLIENT)):
            points.append(
                {
                    "metric": metric,
                    "timestamp": (start + timedelta(seconds=15 * (n // 4))).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "value": n % 97,
                    "dimensions": point_dimensions(n, dimensions),
                }
            )
        bodies.append(json.dumps({"points": points}, separators=(",", ":")).encode())
    return bodies


def ingest_rate(
    server: Server, token: str, project: str, clients: int, tag: str, dimensions: int
) -> float:
    url = f"{server.base}/api/projects/{project}/metrics"
    # New metric names on every run: a rerun on a kept database writes new points rather
    # than replaying the same ones (a replayed point rewrites nothing, and costs less).
    # A short name: 10,000 points with one dimension must stay under the 1 MiB body limit.
    metric = f"{tag}{clients}_{int(time.time()):x}"
    work = [ingest_bodies(c, metric, dimensions) for c in range(clients)]
    errors: list[str] = []

    def run(bodies: list[bytes]) -> None:
        for body in bodies:
            status, data, _ = request(url, token, body)
            if status != 200:
                errors.append(f"{status} {data[:200]!r}")

    threads = [threading.Thread(target=run, args=(bodies,)) for bodies in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        server.sample_rss()
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[:3])
    return clients * POINTS_PER_CLIENT / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,10000000")
    parser.add_argument("--dimensions", type=int, default=1)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-ingest", action="store_true")
    parser.add_argument("--no-reads", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    redis = ensure_redis()
    reads: dict[int, dict[str, float]] = {}
    ingest: dict[str, float] = {}
    rss: dict[str, int] = {}
    databases = []
    try:
        for size in sizes:
            database = f"data_bench_{size}_{args.dimensions}"
            databases.append(database)
            env = base_env(database)
            if not (args.reuse and database_exists(database)):
                sh([*PG, f"drop database if exists {database}"])
                sh([*PG, f"create database {database}"])
                sh([PYTHON, "manage.py", "migrate", "-v0"], env=env)
                sh([PYTHON, "manage.py", "bench_data", "--dashboards", "1000", "--points",
                    str(size), "--dimensions", str(args.dimensions)], env=env)  # fmt: skip
            out = sh([PYTHON, "manage.py", "bench_data", "--summary"], env=env, capture=True)
            summary = json.loads(out.strip().splitlines()[-1])
            token = token_for(env)
            server = Server(env, args.port)
            try:
                if not args.no_reads:
                    reads[size] = cold_reads(server, token, summary, args.reps)
                if not args.no_ingest and size == sizes[-1]:
                    for clients in (1, 2):
                        ingest[f"with rollups, {clients} client(s)"] = ingest_rate(
                            server, token, summary["project"], clients, "r", args.dimensions
                        )
            finally:
                server.stop()
                rss[f"{size:,} points"] = max(server.rss_max.values(), default=0)
            if not args.no_ingest and size == sizes[-1]:
                server = Server(base_env(database, METRICS_ROLLUPS="0"), args.port)
                try:
                    for clients in (1, 2):
                        ingest[f"without rollups, {clients} client(s)"] = ingest_rate(
                            server, token, summary["project"], clients, "n", args.dimensions
                        )
                finally:
                    server.stop()
    finally:
        if redis is not None:
            redis.terminate()
        if not args.keep:
            for database in databases:
                sh([*PG, f"drop database if exists {database}"])

    if reads:
        print(f"\n### Widget data, cold (median of {args.reps}, ms), {args.dimensions} dim.\n")
        print("| widget | " + " | ".join(f"{s:,} points" for s in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for widget in reads[sizes[0]]:
            print(f"| {widget} | " + " | ".join(f"{reads[s][widget]:.1f}" for s in sizes) + " |")
    if ingest:
        print("\n### Ingestion through the API (100,000 points per client)\n")
        print("| run | points/s |\n|---|---|")
        for name, rate in ingest.items():
            print(f"| {name} | {rate:,.0f} |")
    print("\n### gunicorn worker RSS, maximum seen\n")
    print("| data set | MB |\n|---|---|")
    for name, kb in rss.items():
        print(f"| {name} | {kb / 1024:.0f} |")


if __name__ == "__main__":
    main()
