"""gunicorn settings for production (docs/operations.md); every value can be overridden
from the environment. Used by `make serve-prod` and the fault scripts:

    gunicorn -c gunicorn.conf.py            # binds GUNICORN_BIND (default 127.0.0.1:8000)

Sync workers behind nginx: nginx buffers whole requests and responses, so a slow client
never holds a worker, and a sync worker is the cheapest per request. The worker timeout is
above the database's timeouts (connect 3 s, statement 10 s, request deadline 12 s), so a
slow or frozen database ends in a 503, not in a killed worker.
"""

import multiprocessing
import os
import shutil
import tempfile

wsgi_app = "dashboards_site.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# The usual (2 x cores) + 1: workers wait on the database and Redis part of the time.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, workers finish the requests they have for up to this long, then exit.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps upstream connections alive; a little longer than its idle keepalive.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# The master loads the app once and forks workers ready to serve: a worker that is
# recycled, or killed, is replaced in milliseconds instead of importing the app again
# (~0.5 s of CPU on a machine already busy serving). New code therefore needs a restart of
# gunicorn, not a HUP (docs/operations.md).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Recycle workers now and then (a slow leak stays bounded), spread out by the jitter.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "25000"))
# Requests are parsed by gunicorn's C parser (gunicorn_h1c, in requirements.txt): a
# hot read costs ~3% less CPU than with its Python parser; the same limits apply
# ("fast" fails loudly at start when the package is missing; "python" goes back).
http_parser = os.environ.get("GUNICORN_HTTP_PARSER", "fast")
# X-Forwarded-Proto is believed only from the proxy in front (nginx on this host).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
control_socket_disable = True
# nginx refuses oversized request lines and headers first, in the API's JSON (its
# large_client_header_buffers are 8 KiB): these sit above it so gunicorn's HTML 414/431
# is never what a client behind nginx sees.
limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 32768

# One JSON object per line on stdout/stderr (ops/gunicorn_logging.py).
logger_class = "ops.gunicorn_logging.JsonLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Prometheus metrics shared by the workers (ops/metrics.py): each worker writes its values
# to files in this directory, /metrics sums them.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"dashboards-prom-{os.getpid()}"),
)


def on_starting(server):
    # Values of a previous run's workers must not be added to this run's.
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def pre_fork(server, worker):
    # Workers must never share a database connection with the master or one another;
    # loading the app opens none, and this keeps it so.
    if server.cfg.preload_app:
        from django.db import connections

        connections.close_all()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
