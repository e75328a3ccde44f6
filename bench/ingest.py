"""Ingestion rate: 100,000 points as 10 requests of 10,000, against gunicorn on 127.0.0.1.

    .venv/bin/python bench/ingest.py --db sqlite
    .venv/bin/python bench/ingest.py --db postgres   # needs PostgreSQL on 127.0.0.1:5432

Creates a throw-away database, migrates it, starts gunicorn (1 sync worker), posts the
points with a JWT, and prints points/s for new points and for re-sending the same points
(every one an update: the idempotent path). Cleans up after itself.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REQUESTS = 10
PER_REQUEST = 10_000


def payloads() -> list[bytes]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    bodies = []
    for request in range(REQUESTS):
        points = []
        for i in range(PER_REQUEST):
            n = request * PER_REQUEST + i
            moment = start + timedelta(minutes=n // 4)
            points.append(
                {
                    "metric": "requests",
                    "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "value": n % 97,
                    "dimensions": {"region": "nsew"[n % 4]},
                }
            )
        bodies.append(json.dumps({"points": points}, separators=(",", ":")).encode())
    return bodies


def post_all(url: str, token: str, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            assert json.load(response) == {"accepted": PER_REQUEST}
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--port", type=int, default=8097)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-ingest-")
    pg_name = f"bench_ingest_{os.getpid()}"
    if args.db == "sqlite":
        database_url = f"sqlite:///{workdir}/bench.sqlite3"
    else:
        database_url = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"create database {pg_name}"],
            check=True,
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-ingest-" + os.urandom(16).hex(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "THROTTLE_USER": "100000000/min",
        "DJANGO_SETTINGS_MODULE": "dashboards_site.settings",
        "DJANGO_PLAIN_STATIC": "1",  # no collectstatic needed for the readiness probe
    }
    server = None
    try:
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        setup = (
            "import django; django.setup()\n"
            "from rest_framework_simplejwt.tokens import RefreshToken\n"
            "from users.models import User\n"
            "from dashboards import services\n"
            "user = User.objects.create_user('bench', password='bench-pass-123')\n"
            "project = services.project_create(user=user, name='Bench')\n"
            "print(RefreshToken.for_user(user).access_token)\n"
            "print(project.pk)\n"
        )
        out = subprocess.run(
            [PYTHON, "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        token, project_id = out[0], out[1]
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "dashboards_site.wsgi",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                "1",
                "--timeout",
                "300",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        url = f"{base}/api/projects/{project_id}/metrics"
        bodies = payloads()
        total = REQUESTS * PER_REQUEST
        size = sum(len(b) for b in bodies) / len(bodies) / 1024
        inserted = post_all(url, token, bodies)
        updated = post_all(url, token, bodies)
        print(f"database: {args.db}; {REQUESTS} requests x {PER_REQUEST} points, ~{size:.0f} KiB")
        print(f"new points:     {total / inserted:>9,.0f} points/s ({inserted:.2f} s)")
        print(f"same again:     {total / updated:>9,.0f} points/s ({updated:.2f} s, all updates)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if args.db == "postgres":
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-qc",
                    f"drop database if exists {pg_name}",
                ],
                check=False,
            )


if __name__ == "__main__":
    main()
