"""Dashboard lists at 1,000 vs 1,000,000 dashboards, interleaved in one run.

Two PostgreSQL databases built by `manage.py bench_data --dashboards N` (kept between runs
unless --rebuild), one gunicorn (1 sync worker) on each, Redis as the cache. Every case is
requested on both sizes in turn, `--runs` times after a warm-up; the figure is the
*server* time gunicorn logs for the request (`%(D)s`, microseconds), median of the runs.

    .venv/bin/python bench/lists.py                 # 1,000 vs 1,000,000
    .venv/bin/python bench/lists.py --large 100000  # quicker
    .venv/bin/python bench/lists.py --drop          # remove the databases afterwards

Prints a Markdown table (docs/performance.md keeps the figures).
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PG = "postgres://postgres@127.0.0.1:5432/{}"


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-At", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout


def prepare(name: str, size: int, env: dict[str, str], rebuild: bool) -> None:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
    if exists and not rebuild:
        built = psql(
            # bench_data adds the "Every widget" dashboard to the generated ones.
            "SELECT count(*) FROM dashboards_dashboard d JOIN users_user u ON u.id = d.owner_id "
            "WHERE u.username = 'bench' AND d.name <> 'Every widget'",
            name,
        )
        if built == str(size):
            print(f"{name}: {size:,} dashboards already there", file=sys.stderr)
            return
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    manage(env, "migrate", "-v0")
    print(f"{name}: generating {size:,} dashboards…", file=sys.stderr)
    manage(env, "bench_data", "--dashboards", str(size), "--other", "1000")
    psql("VACUUM ANALYZE", name)


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "dashboards_site.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "sync",
            "--no-control-socket",
            "--access-logfile",
            str(log),
            # Plain access lines with the server time (gunicorn.conf.py logs JSON).
            "--logger-class",
            "gunicorn.glogging.Logger",
            "--access-logformat",
            "%({x-bench}i)s %(s)s %(D)s",
            "--error-logfile",
            str(log.with_suffix(".err")),
        ],
        cwd=ROOT,
        env=env,
    )


def get(port: int, path: str, token: str, tag: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request(
        "GET",
        path,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json", "X-Bench": tag},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def cases(tokens: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, path, which user's token)."""
    skiptoken = urllib.parse.quote(tokens["skiptoken"])
    cursor = urllib.parse.quote(tokens["cursor"])
    return [
        ("`GET /api/dashboards?$top=50`", "/api/dashboards?$top=50", "bench"),
        ("`…&$skip=10000` (the bound)", "/api/dashboards?$top=50&$skip=10000", "bench"),
        (
            "`…&$skiptoken=` (middle row)",
            f"/api/dashboards?$top=50&$skiptoken={skiptoken}",
            "bench",
        ),
        (
            "`$filter=contains(name,'sales')`",
            "/api/dashboards?$top=50&$filter=contains(name,%27sales%27)",
            "bench",
        ),
        ("`$orderby=name`", "/api/dashboards?$top=50&$orderby=name", "bench"),
        ("`$orderby=updatedAt desc`", "/api/dashboards?$top=50&$orderby=updatedAt%20desc", "bench"),
        # v1 pages are held per URL and list version (docs/list-counts.md): a parameter the
        # API ignores makes each run's URL new, so these rows measure reading the page.
        ("v1 `GET /api/v1/dashboards/list`", "/api/v1/dashboards/list?run={run}", "bench"),
        (
            "v1 `…?cursor=` (middle row)",
            f"/api/v1/dashboards/list?cursor={cursor}&run={{run}}",
            "bench",
        ),
        ("v1 `…?name=sales`", "/api/v1/dashboards/list?name=sales&run={run}", "bench"),
        ("v1 first page, held", "/api/v1/dashboards/list", "bench"),
        ("another user's first page (1,000 visible)", "/api/dashboards?$top=50", "other"),
        (
            "first page, total not cached (a new filter each time)",
            "/api/dashboards?$top=50&$filter=refreshInterval%20ge%20{run}",
            "bench",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8510")))
    parser.add_argument("--rebuild", action="store_true", help="Regenerate the databases.")
    parser.add_argument("--drop", action="store_true", help="Drop the databases at the end.")
    args = parser.parse_args()

    secret = secrets.token_urlsafe(32)
    prefix = f"lists-bench-{os.getpid()}"
    sizes = {"small": args.small, "large": args.large}
    envs, tokens, servers, logs = {}, {}, {}, {}
    workdir = Path(tempfile.mkdtemp(prefix="lists-bench-"))
    try:
        for index, (key, size) in enumerate(sizes.items()):
            name = f"lists_bench_{size}"
            env = {
                **os.environ,
                "DATABASE_URL": PG.format(name),
                "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
                "CACHE_KEY_PREFIX": f"{prefix}-{key}",
                "SECRET_KEY": secret,
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_COOKIES": "0",
            }
            prepare(name, size, env, args.rebuild)
            envs[key] = env
            tokens[key] = json.loads(
                subprocess.run(
                    [str(BIN / "python"), "bench/list_tokens.py"],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            logs[key] = workdir / f"{key}.log"
            servers[key] = start(env, args.port + index, logs[key])
        time.sleep(3)
        table = cases(tokens["small"])
        # Warm-up: connections, imports, cached totals (except the uncached case).
        for label, path, who in table:
            for index, key in enumerate(sizes):
                case_path = path
                if "skiptoken" in path or "cursor" in path:
                    case_path = dict((c[0], c[1]) for c in cases(tokens[key]))[label]
                case_path = case_path.replace("{run}", str(1000 + index))
                for _ in range(3):
                    status = get(args.port + index, case_path, tokens[key][who], "warmup")
                    assert status == 200, (label, key, status)
        for run in range(args.runs):
            for number, (label, _path, who) in enumerate(table):
                for index, key in enumerate(sizes):
                    case_path = dict((c[0], c[1]) for c in cases(tokens[key]))[label]
                    case_path = case_path.replace("{run}", str(run))
                    get(args.port + index, case_path, tokens[key][who], f"{number}:{key}")
        for server in servers.values():
            server.terminate()
            server.wait(30)
        timings: dict[tuple[int, str], list[float]] = {}
        for key, log in logs.items():
            for line in log.read_text().splitlines():
                tag, status, micros = line.split()
                if tag == "warmup" or tag == "-":
                    continue
                assert status == "200", line
                number = int(tag.split(":")[0])
                timings.setdefault((number, key), []).append(int(micros) / 1000)
        print(f"| request | {args.small:,} dashboards | {args.large:,} dashboards | ratio |")
        print("|---|---|---|---|")
        for number, (label, _, _) in enumerate(table):
            small = statistics.median(timings[(number, "small")])
            large = statistics.median(timings[(number, "large")])
            print(f"| {label} | {small:.1f} ms | {large:.1f} ms | {large / small:.2f} |")
        print(
            f"\nServer time (gunicorn %(D)s), median of {args.runs}, sizes interleaved; "
            "1 sync worker per size, PostgreSQL, Redis."
        )
    finally:
        for server in servers.values():
            if server.poll() is None:
                server.terminate()
                server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)
        if args.drop:
            for size in sizes.values():
                psql(f"DROP DATABASE IF EXISTS lists_bench_{size}")


if __name__ == "__main__":
    main()
