"""What serving needs: never with the repository's key when DEBUG is off (while management
commands may use it), HTML pages that work with DEBUG off with or without collectstatic
(the README's gunicorn command), no password-reset routes, JSON for a bad Host on the API,
and a Content-Security-Policy on every response."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "SECRET_KEY", "DEBUG"}
        and not key.startswith(("DJANGO_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dashboards_site.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEBUG="0",
        SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and commands
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Gunicorn:
    """The README's command: gunicorn dashboards_site.wsgi, on a free local port; with
    `production`, gunicorn.conf.py as `make serve-prod` runs it."""

    def __init__(self, env: dict[str, str], *, production: bool = False) -> None:
        self.port = free_port()
        if production:
            args = ["-c", "gunicorn.conf.py"]
            env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        else:
            args = ["dashboards_site.wsgi", "-w", "1", "--bind", f"127.0.0.1:{self.port}",
                    "--no-control-socket"]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def workers(self) -> set[int]:
        found = subprocess.run(  # noqa: S603 - procps, on every machine that runs gunicorn
            ["pgrep", "-P", str(self.process.pid)],  # noqa: S607
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return {int(pid) for pid in found.stdout.split()}

    def wait_workers(self, count: int, *, without: int | None = None) -> set[int]:
        """The workers, once there are `count` of them (and `without` is not one)."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) == count and without not in workers:
                return workers
            time.sleep(0.05)
        raise AssertionError(f"workers {workers}, expected {count} without {without}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        for _ in range(150):
            if self.process.poll() is not None:
                raise AssertionError(self.process.stdout.read())
            try:
                if get(f"{self.url}/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not answer")

    def stop(self) -> str:
        self.process.terminate()
        output, _ = self.process.communicate(timeout=30)
        return output


# --- The repository's key ---------------------------------------------------------------


INSECURE = {"DJANGO_ALLOW_INSECURE_KEY": "1"}


@pytest.mark.parametrize("module", ["dashboards_site.wsgi", "dashboards_site.asgi"])
def test_the_application_refuses_the_insecure_key_with_debug_off(tmp_path, module):
    result = run([sys.executable, "-c", f"import {module}"], production_env(tmp_path, **INSECURE))
    assert result.returncode != 0
    assert "Refusing to serve with the repository's insecure SECRET_KEY" in result.stderr


def test_in_development_the_insecure_key_serves(tmp_path):
    development = production_env(tmp_path, DEBUG="1", **INSECURE)
    result = run([sys.executable, "-c", "import dashboards_site.wsgi"], development)
    assert result.returncode == 0, result.stderr


def test_runserver_and_gunicorn_refuse_it_too(tmp_path):
    env = production_env(tmp_path, **INSECURE)
    port = str(free_port())
    runserver = run(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env, 60
    )
    assert runserver.returncode != 0
    assert "insecure SECRET_KEY" in runserver.stderr
    gunicorn = Gunicorn(env)
    try:
        assert gunicorn.process.wait(timeout=60) != 0
    finally:
        output = gunicorn.stop()
    assert "insecure SECRET_KEY" in output


def test_management_commands_may_still_use_it(tmp_path):
    env = production_env(tmp_path, **INSECURE)
    check = run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], env)
    assert check.returncode == 0, check.stderr
    schema = run([sys.executable, "manage.py", "spectacular", "--file", "/dev/null"], env)
    assert schema.returncode == 0, schema.stderr


# --- The README's gunicorn command with DEBUG off ---------------------------------------


def pages_under_gunicorn(env: dict[str, str]) -> str:
    """Serve, check the HTML pages and their stylesheet; the stylesheet's URL."""
    server = Gunicorn(env)
    try:
        server.wait_ready()
        for path in ("/accounts/login/", "/admin/login/", "/api/docs/", "/api/redoc/"):
            status, headers, body = get(f"{server.url}{path}")
            assert status == 200, (path, body[:500])
            assert "script-src 'self'" in headers["Content-Security-Policy"]
        page = get(f"{server.url}/accounts/login/")[2].decode()
        css = page.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        status, headers, _ = get(f"{server.url}{css}")
        assert status == 200
        if css != "/static/dashboards/dashboards.css":
            assert "immutable" in headers["Cache-Control"]
    finally:
        output = server.stop()
    assert "Traceback" not in output, output
    return css


def test_html_pages_work_under_gunicorn_with_debug_off_before_and_after_collectstatic(
    tmp_path,
):
    env = production_env(tmp_path, SECRET_KEY="a-real-secret-" + "y" * 40)
    migrate = run([sys.executable, "manage.py", "migrate", "-v0"], env)
    assert migrate.returncode == 0, migrate.stderr
    # Before collectstatic: plain names, served from the apps.
    assert pages_under_gunicorn(env) == "/static/dashboards/dashboards.css"
    static = run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    assert static.returncode == 0, static.stderr
    # After: content-hashed names, cached for good.
    hashed = pages_under_gunicorn(env)
    assert hashed.startswith("/static/dashboards/dashboards.")
    assert hashed != "/static/dashboards/dashboards.css"


# --- Routes and answers ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_there_are_no_password_reset_routes(client, path):
    # No email is sent by this service: a reset form would promise what it cannot do.
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "alice@example.com"}).status_code == 404


@pytest.mark.django_db
def test_no_page_offers_a_password_reset(client):
    for path in ("/accounts/login/", "/admin/login/", "/api-auth/login/"):
        page = client.get(path).content.decode().lower()
        assert "forgot" not in page
        assert "reset" not in page


@pytest.mark.django_db
def test_password_change_stays_for_logged_in_users(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/password_change/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/api/dashboards", "analytics"),
        ("/api/v1/dashboards/list", "v1"),
        ("/api/nope", "analytics"),
    ],
)
def test_an_unknown_host_gets_the_apis_json_error(client, path, family):
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if family == "v1":
        assert (body["status"], body["code"], body["data"]) == ("error", "VALIDATION_ERROR", None)
        message = body["message"]
    else:
        assert body["error"]["code"] == "VALIDATION_ERROR"
        message = body["error"]["message"]
    assert "Host" in message
    assert "evil" not in message


@pytest.mark.django_db
def test_an_unknown_host_on_a_page_gets_html(client):
    response = client.get("/dashboards/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_every_response_carries_a_policy(client, alice):
    client.force_login(alice)
    page = client.get("/dashboards/")
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    api = client.get("/api/dashboards", HTTP_ACCEPT="application/json")
    assert api["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.django_db
def test_the_pages_log_out_button_ends_the_session(client, alice):
    # The API's logout shared the name "logout" and won reverse(): the button posted there.
    client.force_login(alice)
    page = client.get("/dashboards/").content.decode()
    assert '<form method="post" action="/accounts/logout/">' in page
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboards/").status_code == 302  # to the login page


def test_a_worker_loads_every_view_and_freezes_what_it_loaded(tmp_path):
    """The collector never walks the process's long-lived objects (dashboards_site/wsgi.py)."""
    env = production_env(tmp_path, SECRET_KEY="serving-test-" + "k" * 40)
    script = (
        "import gc, sys; import dashboards_site.wsgi; "
        "print(gc.get_freeze_count(), 'dashboards.api.analytics.views' in sys.modules)"
    )
    result = run([sys.executable, "-c", script], env)
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert views_loaded == "True"


def test_production_workers_are_forked_from_a_loaded_master(tmp_path):
    """gunicorn.conf.py preloads the app: a killed (or recycled) worker is replaced by a
    fork that serves at once, with its own metrics files, instead of importing the app."""
    env = production_env(
        tmp_path,
        SECRET_KEY="serving-test-" + "k" * 40,
        WEB_CONCURRENCY="2",
        # Not there yet: the master creates it while loading the app.
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics" / "new"),
    )
    run([sys.executable, "manage.py", "migrate", "-v0"], env)
    gunicorn = Gunicorn(env, production=True)
    try:
        gunicorn.wait_ready()
        maps = Path(f"/proc/{gunicorn.process.pid}/maps").read_text()
        assert "orjson" in maps  # the master itself imported the app's renderer
        workers = gunicorn.wait_workers(2)  # the first answers before the second is forked
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = gunicorn.wait_workers(2, without=victim)
        assert victim not in replaced
        assert all(get(f"{gunicorn.url}/healthz")[0] == 200 for _ in range(10))
        status, _, body = get(f"{gunicorn.url}/metrics")
        assert status == 200
        assert b'route="healthz"' in body
    finally:
        output = gunicorn.stop()
    assert "Traceback" not in output, output
