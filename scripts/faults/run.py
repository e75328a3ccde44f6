"""Faults against the real thing, under a bounded load (docs/operations.md, "Faults").

Starts a private PostgreSQL cluster (initdb/pg_ctl on its own port), a private Redis and
gunicorn (gunicorn.conf.py, 2 sync workers), then runs each fault while clients read,
create (half of them with an Idempotency-Key and retries) and ingest:

    PostgreSQL stopped (pg_ctl -m fast), crashed (-m immediate), frozen (SIGSTOP);
    Redis killed (SIGKILL) and frozen (SIGSTOP); a gunicorn worker killed (SIGKILL);
    Redis restored from an older snapshot (widget data must match the database after).

Afterwards every acknowledged write must be in the database and no refused one may be.
Prints a table (fault | what clients saw) and exits non-zero when a check fails.

    python scripts/faults/run.py            # the full run (~3 min)
    python scripts/faults/run.py --short    # the CI run (~1 min)

Needs PostgreSQL 15's server binaries and redis-server; runs as root (initdb as postgres).
Ports: PostgreSQL FAULTS_PG_PORT (5563), Redis FAULTS_REDIS_PORT (6393), app FAULTS_HTTP_PORT
(8320).
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5563"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6393"))
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "8320"))
PYTHON = os.environ.get("PYTHON", str(ROOT / ".venv/bin/python"))
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
PASSWORD = "faults-" + uuid.uuid4().hex[:12]
# Answers after which the client cannot know whether the write happened.
UNKNOWN = frozenset({"timeout", "reset", "503?"})


def sh(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, check=False, capture_output=True, text=True, **kwargs)
    if check and done.returncode:
        raise RuntimeError(f"{' '.join(args)[:200]} failed:\n{done.stderr[-3000:]}")
    return done


# --- The servers ----------------------------------------------------------------------


class Postgres:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "pgdata"
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}/dashboards"

    def _ctl(self, *args: str) -> None:
        sh("runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args)

    def init(self) -> None:
        shutil.chown(self.base, "postgres")
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
        )
        self.start()
        sh(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(PG_PORT),
            "dashboards",
        )

    def start(self) -> None:
        self._ctl(
            "-o",
            f"-p {PG_PORT} -k {self.base} -c listen_addresses=127.0.0.1",
            "-l",
            str(self.base / "pg.log"),
            "-w",
            "start",
        )

    def stop(self, mode: str) -> None:
        self._ctl("-m", mode, "-w", "stop")

    def pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = sh("pgrep", "-P", str(postmaster), check=False).stdout.split()
        return [postmaster, *map(int, children)]

    def signal(self, sig: int) -> None:
        for pid in self.pids():
            os.kill(pid, sig)

    def query(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()


class Redis:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.base),
                "--dbfilename",
                "dump.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if sh("redis-cli", "-p", str(REDIS_PORT), "ping", check=False).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def kill(self) -> None:
        assert self.process
        self.process.kill()
        self.process.wait()

    def signal(self, sig: int) -> None:
        assert self.process
        self.process.send_signal(sig)

    def cli(self, *args: str) -> str:
        return sh("redis-cli", "-p", str(REDIS_PORT), *args).stdout.strip()


class App:
    def __init__(self, base: Path, env: dict[str, str]) -> None:
        self.base = base
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.base / "app.log", "ab")  # noqa: SIM115 - lives as long as the app
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        for _ in range(100):
            try:
                if request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        assert self.process
        return [
            int(p) for p in sh("pgrep", "-P", str(self.process.pid), check=False).stdout.split()
        ]

    def stop(self) -> None:
        if self.process:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- Clients --------------------------------------------------------------------------


def request(method: str, path: str, body=None, token=None, headers=None, timeout=40):
    connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=timeout)
    try:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        connection.request(
            method, path, json.dumps(body) if body is not None else None, all_headers
        )
        response = connection.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw[:200]
        return response.status, data, dict(response.getheaders())
    finally:
        connection.close()


@dataclass
class Outcome:
    op: str
    status: int | str  # an HTTP status, or "timeout" / "reset"
    started: float
    seconds: float


@dataclass
class Ledger:
    """What clients were told: acknowledged, refused, or unknown (no answer)."""

    acked_dashboards: dict[str, str] = field(default_factory=dict)  # name -> id
    refused_dashboards: set[str] = field(default_factory=set)
    unknown_dashboards: set[str] = field(default_factory=set)
    acked_points: set[str] = field(default_factory=set)  # timestamps
    refused_points: set[str] = field(default_factory=set)
    unknown_points: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)
    refusals: dict[str, tuple] = field(default_factory=dict)
    request_ids: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, op, status, started):
        with self.lock:
            self.outcomes.append(Outcome(op, status, started, time.monotonic() - started))


def timed(ledger: Ledger, op: str, *args, **kwargs):
    started = time.monotonic()
    try:
        status, data, headers = request(*args, **kwargs)
    except TimeoutError:
        ledger.record(op, "timeout", started)
        return "timeout", None, {}
    except (ConnectionError, http.client.HTTPException, OSError):
        ledger.record(op, "reset", started)
        return "reset", None, {}
    if status == 503 and ((data or {}).get("error") or {}).get("details") == {"outcome": "unknown"}:
        # The connection broke during COMMIT: the app says it does not know.
        ledger.record(op, "503?", started)
        return "503?", data, headers
    ledger.record(op, status, started)
    return status, data, headers


class Load:
    """Readers, creators (with and without Idempotency-Key) and an ingester, until stopped."""

    def __init__(self, token: str, dashboard_id: str, project_id: str, ledger: Ledger) -> None:
        self.token, self.dashboard_id, self.project_id = token, dashboard_id, project_id
        self.ledger = ledger
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    # One sequence over every scenario: each point (timestamp) is written by one request.
    sequence = itertools.count()
    sequence_lock = threading.Lock()

    def next_number(self) -> int:
        with self.sequence_lock:
            return next(self.sequence)

    def reader(self) -> None:
        while not self.stop.is_set():
            timed(
                self.ledger, "read", "GET", f"/api/dashboards/{self.dashboard_id}", token=self.token
            )
            time.sleep(0.02)

    def creator(self, with_key: bool) -> None:
        while not self.stop.is_set():
            name = f"fault-{uuid.uuid4().hex[:12]}"
            body = {"name": name, "projectId": self.project_id, "widgets": []}
            key = str(uuid.uuid4())
            answers = []
            request_ids = []  # one per attempt, to find its lines in the app log
            for _attempt in range(8 if with_key else 1):
                request_ids.append(uuid.uuid4().hex)
                headers = {"X-Request-ID": request_ids[-1]}
                if with_key:
                    headers["Idempotency-Key"] = key
                op = "create+key" if with_key else "create"
                status, data, _ = timed(
                    self.ledger,
                    op,
                    "POST",
                    "/api/dashboards",
                    body,
                    token=self.token,
                    headers=headers,
                )
                answers.append(status)
                if status == 201:
                    with self.ledger.lock:
                        self.ledger.acked_dashboards[name] = data["id"]
                    break
                if not with_key or status not in {503, 409, *UNKNOWN}:
                    break
                time.sleep(0.5)  # retry the same key, as a client told Retry-After would
            if 201 not in answers:
                with self.ledger.lock:
                    self.ledger.refusals[name] = (with_key, answers)
                    self.ledger.request_ids[name] = request_ids
                    if any(a in UNKNOWN for a in answers):
                        self.ledger.unknown_dashboards.add(name)
                    else:
                        self.ledger.refused_dashboards.add(name)
            time.sleep(0.05)

    def ingester(self) -> None:
        while not self.stop.is_set():
            n = self.next_number()
            timestamp = f"2025-01-01T00:00:00.{n:06d}Z" if n < 10**6 else None
            body = {"points": [{"metric": "faults", "timestamp": timestamp, "value": n}]}
            status, _data, _ = timed(
                self.ledger,
                "ingest",
                "POST",
                f"/api/projects/{self.project_id}/metrics",
                body,
                token=self.token,
            )
            with self.ledger.lock:
                if status == 200:
                    self.ledger.acked_points.add(timestamp)
                elif status in UNKNOWN:
                    self.ledger.unknown_points.add(timestamp)
                else:
                    self.ledger.refused_points.add(timestamp)
                    self.ledger.refusals[timestamp] = (status, _data)
            time.sleep(0.05)

    def __enter__(self):
        targets = [
            self.reader,
            self.reader,
            lambda: self.creator(True),
            lambda: self.creator(True),
            lambda: self.creator(False),
            self.ingester,
        ]
        self.threads = [threading.Thread(target=t, daemon=True) for t in targets]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


# --- Scenarios ------------------------------------------------------------------------


def summarize(
    outcomes: list[Outcome], fault_start: float, fault_end: float
) -> tuple[str, float | None]:
    during = [o for o in outcomes if o.started >= fault_start - 0.5]
    by_op: dict[str, Counter] = defaultdict(Counter)
    for o in during:
        by_op[o.op][o.status] += 1
    parts = []
    for op in ("read", "create", "create+key", "ingest"):
        counts = by_op.get(op)
        if not counts:
            continue
        total = sum(counts.values())
        detail = ", ".join(f"{n}x{s}" for s, n in sorted(counts.items(), key=lambda x: -x[1]))
        parts.append(f"{op} {total}: {detail}")
    slowest = max((o.seconds for o in during), default=0.0)
    recovered = [
        o.started + o.seconds
        for o in during
        if o.op == "read" and o.status == 200 and o.started >= fault_end
    ]
    recovery = (min(recovered) - fault_end) if recovered else None
    return "; ".join(parts) + f"; slowest {slowest:.2f} s", recovery


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="shorter faults (CI)")
    args = parser.parse_args()
    hold = 4.0 if args.short else 10.0
    freeze = 8.0 if args.short else 40.0
    # The short run cuts frozen requests sooner, so that it sees the deadline at work.
    deadline = {"DB_REQUEST_DEADLINE": "4"} if args.short else {}
    skip = set(filter(None, os.environ.get("FAULTS_SKIP", "").split(",")))

    base = Path(tempfile.mkdtemp(prefix="dashboards-faults-"))
    os.chmod(base, 0o755)
    pg, redis = Postgres(base / "pg"), Redis(base)
    (base / "pg").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "DEBUG": "0",
        "SECRET_KEY": "faults-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "THROTTLE_USER": "1000000/min",
        "THROTTLE_ANON": "1000000/min",
        "JWT_ACCESS_MINUTES": "120",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{HTTP_PORT}",
        "PROMETHEUS_MULTIPROC_DIR": str(base / "prometheus"),
        "DJANGO_PLAIN_STATIC": "1",
        "GUNICORN_ACCESS_LOG": str(base / "access.log"),
        **deadline,
    }
    (base / "prometheus").mkdir()
    app = App(base, env)
    rows: list[tuple[str, str, str]] = []
    failures: list[str] = []
    try:
        pg.init()
        redis.start()
        manage = [PYTHON, "manage.py"]
        sh(*manage, "migrate", "--no-input", "-v0", cwd=ROOT, env=env)
        setup = sh(
            *manage,
            "shell",
            "-c",
            f"""
from django.contrib.auth import get_user_model
from dashboards.models import Project
user = get_user_model().objects.create_user("faults", password="{PASSWORD}")
project = Project.objects.create(owner=user, name="Faults")
print(project.pk)""",
            cwd=ROOT,
            env=env,
        )
        project_id = setup.stdout.strip().splitlines()[-1]
        app.start()
        for _attempt in range(10):  # the app may still be warming up its workers
            _status, tokens, _ = request(
                "POST", "/api/auth/token/", {"username": "faults", "password": PASSWORD}
            )
            if _status == 200:
                break
            time.sleep(1)
        if _status != 200:
            raise RuntimeError(f"could not log in: {_status} {tokens}")
        token = tokens["access"]
        _status, created, _ = request(
            "POST",
            "/api/dashboards",
            {
                "name": "Reads",
                "projectId": project_id,
                "widgets": [
                    {"id": "rev", "type": "revenue_chart", "title": "Revenue", "size": "large"}
                ],
            },
            token=token,
        )
        dashboard_id = created["id"]
        for _ in range(20):  # every worker has loaded the app
            request("GET", f"/api/dashboards/{dashboard_id}", token=token)
        ledger = Ledger()

        def scenario(name: str, inject, recover, seconds: float = hold, expect=None) -> None:
            with Load(token, dashboard_id, project_id, ledger):
                time.sleep(1.5)
                start = time.monotonic()
                inject()
                time.sleep(seconds)
                recover()
                end = time.monotonic()
                time.sleep(3.0)
            with ledger.lock:
                saw, recovery = summarize(ledger.outcomes, start, end)
            after = f"{recovery:.2f} s" if recovery is not None else "no read succeeded after"
            rows.append((name, saw, after))
            print(f"- {name}: {saw}; recovered {after}", flush=True)
            if expect:
                problem = expect([o for o in ledger.outcomes if o.started >= start - 0.5])
                if problem:
                    failures.append(f"{name}: {problem}")

        def no_500(outcomes):
            bad = [o for o in outcomes if o.status in {500, 502, 504}]
            return f"{len(bad)} answers were {sorted({o.status for o in bad})}" if bad else None

        def redis_ok(outcomes):
            bad = [o for o in outcomes if o.status != 200 and o.status != 201]
            slow = [o for o in outcomes if o.seconds > 2.0]
            if bad:
                return f"{len(bad)} non-2xx answers without Redis: {Counter(o.status for o in bad)}"
            if slow:
                return f"{len(slow)} requests took over 2 s"
            return None

        def pg_503(outcomes):
            bad = [o for o in outcomes if o.status in {500, 502, 504, "timeout", "reset"}]
            return f"{len(bad)} answers were {Counter(o.status for o in bad)}" if bad else None

        scenario("no fault", lambda: None, lambda: None, expect=redis_ok)
        scenario(f"Redis killed for {hold:.0f} s", redis.kill, redis.start, expect=redis_ok)
        scenario(
            f"Redis frozen for {hold:.0f} s",
            lambda: redis.signal(signal.SIGSTOP),
            lambda: redis.signal(signal.SIGCONT),
            expect=redis_ok,
        )
        scenario(
            f"PostgreSQL stopped for {hold:.0f} s", lambda: pg.stop("fast"), pg.start, expect=pg_503
        )
        scenario(
            f"PostgreSQL crashed for {hold:.0f} s",
            lambda: pg.stop("immediate"),
            pg.start,
            expect=pg_503,
        )
        scenario(
            f"PostgreSQL frozen for {freeze:.0f} s",
            lambda: pg.signal(signal.SIGSTOP),
            lambda: pg.signal(signal.SIGCONT),
            seconds=freeze,
            expect=pg_503,
        )
        scenario(
            "a gunicorn worker killed",
            lambda: os.kill(app.workers()[0], signal.SIGKILL),
            lambda: None,
            seconds=2.0,
            expect=no_500,
        )

        # Redis restored from an older snapshot: widget data must match the database.
        def stale_check() -> str:
            path = f"/api/dashboards/{dashboard_id}/widgets/rev/data"
            request(
                "POST",
                f"/api/projects/{project_id}/metrics",
                {
                    "points": [
                        {"metric": "revenue", "timestamp": "2026-01-03T10:00:00Z", "value": 150}
                    ]
                },
                token=token,
            )
            request("GET", path, token=token)
            redis.cli("SAVE")
            shutil.copy(base / "dump.rdb", base / "old.rdb")
            request(
                "POST",
                f"/api/projects/{project_id}/metrics",
                {
                    "points": [
                        {"metric": "revenue", "timestamp": "2026-01-04T10:00:00Z", "value": 7}
                    ]
                },
                token=token,
            )
            fresh = request("GET", path, token=token)[1]["data"]
            redis.kill()
            shutil.copy(base / "old.rdb", base / "dump.rdb")
            redis.start()
            # The first call of each worker meets a dead pooled connection and skips the
            # cache for the breaker's window; the restored snapshot is read after it.
            request("GET", path, token=token)
            request("GET", path, token=token)
            time.sleep(6.5)
            total = pg.query(
                "SELECT sum(value) FROM dashboards_metricpoint WHERE metric = 'revenue'"
            )[0][0]
            values = []
            for _ in range(6):  # every worker
                served = request("GET", path, token=token)[1]["data"]
                values.append(sum(p["value"] for p in served["series"]) if served else None)
            value = next((v for v in values if v != total), total)
            if value != total:
                failures.append(
                    f"Redis restored from an older snapshot: widget data {value}, database {total}"
                )
                before = sum(p["value"] for p in fresh["series"])
                return (
                    f"stale widget data: {value:g} served while the database holds {total:g} "
                    f"(before the restore: {before:g})"
                )
            return f"widget data {value:g} = the database's {total:g} right after the restore"

        if "redis-snapshot" not in skip:
            saw = stale_check()
            rows.append(("Redis restored from an older snapshot", saw, "-"))
            print(f"- Redis restored from an older snapshot: {saw}", flush=True)

        # Every acknowledged write is in the database; no refused one is.
        names = {
            row[0]: str(row[1]) for row in pg.query("SELECT name, id FROM dashboards_dashboard")
        }
        points = {
            row[0].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            for row in pg.query(
                "SELECT timestamp FROM dashboards_metricpoint WHERE metric = 'faults'"
            )
        }
        lost = [n for n, i in ledger.acked_dashboards.items() if names.get(n) != i]
        ghost = [n for n in ledger.refused_dashboards if n in names]
        lost_points = ledger.acked_points - points
        ghost_points = ledger.refused_points & points
        unknown_in_db = sum(1 for n in ledger.unknown_dashboards if n in names)
        verdict = (
            f"creates: {len(ledger.acked_dashboards)} acknowledged (all in the database: "
            f"{not lost}), {len(ledger.refused_dashboards)} refused (none in the database: "
            f"{not ghost}), {len(ledger.unknown_dashboards)} unanswered ({unknown_in_db} written); "
            f"points: {len(ledger.acked_points)} acknowledged (all stored: {not lost_points}), "
            f"{len(ledger.refused_points)} refused (none stored: {not ghost_points}), "
            f"{len(ledger.unknown_points)} unanswered"
        )
        print(verdict)
        log_lines = (base / "app.log").read_text(errors="replace").splitlines()
        for name in ghost[:5]:
            print("refused yet written:", name, ledger.refusals.get(name))
            # What the app logged for each attempt (its lines carry the request id).
            for rid in ledger.request_ids.get(name, []):
                for line in log_lines:
                    if rid in line:
                        print("   ", line[:600])
        for timestamp in sorted(ghost_points)[:5]:
            print("refused yet stored:", timestamp, ledger.refusals.get(timestamp))
        if lost or ghost or lost_points or ghost_points:
            failures.append("acknowledged/refused writes do not match the database: " + verdict)
        log = "\n".join(log_lines)
        tracebacks = log.count("Traceback")
        unavailable = log.count("database unavailable")
        print(
            f"app log: {len(log.splitlines())} lines, {unavailable} 'database unavailable' lines, "
            f"{tracebacks} tracebacks"
        )
        if tracebacks:
            failures.append(f"the app logged {tracebacks} tracebacks")
    finally:
        app.stop()
        for action in (lambda: pg.signal(signal.SIGCONT), lambda: pg.stop("immediate"), redis.kill):
            with contextlib.suppress(Exception):  # the server may already be down
                action()
        if os.environ.get("FAULTS_KEEP"):
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)

    print("\n| fault | what clients saw | first good read after recovery |\n|---|---|---|")
    for name, saw, after in rows:
        print(f"| {name} | {saw} | {after} |")
    checks = len(rows) + 2  # each scenario, the writes ledger, the log
    if failures:
        print("\nFAILED:\n- " + "\n- ".join(failures))
    print(f"faults: {checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
