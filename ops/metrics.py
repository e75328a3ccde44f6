"""Prometheus metrics of the service (prometheus_client), served at /metrics (ops/views.py).

Under gunicorn every worker is a process of its own: with `PROMETHEUS_MULTIPROC_DIR` set
(gunicorn.conf.py sets it and empties it before the workers start), prometheus_client
keeps each worker's values in memory-mapped files there and /metrics sums them, so a
scrape sees the whole server whichever worker answers it; `child_exit` marks a dead
worker's files. Without it (runserver, tests) the values live in the process.

Labels are bounded: the route is the URL pattern's name, never the path.
"""

import os

from prometheus_client import Counter, Histogram

# gunicorn's master loads the app (preload_app) before its on_starting hook prepares the
# directory: the metrics below open their files there as they are created.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Latency buckets for an API whose reads take milliseconds and whose worker timeout is 30 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "dashboards_http_requests_total",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "dashboards_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route, method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
DB_ERRORS = Counter(
    "dashboards_database_errors_total",
    "Requests refused with 503 because the database was unavailable, by error class.",
    ["error"],
)
CACHE_ERRORS = Counter(
    "dashboards_cache_errors_total",
    "Cache operations that failed (the cache is then skipped for a few seconds).",
    ["operation"],
)
WIDGET_DATA_CACHE = Counter(
    "dashboards_widget_data_cache_total",
    "Widget data lookups in the shared cache, by result (hit or miss).",
    ["result"],
)
INGESTED_POINTS = Counter(
    "dashboards_ingested_points_total",
    "Metric points accepted by the ingestion endpoint.",
)
IDEMPOTENT_REPLAYS = Counter(
    "dashboards_idempotent_replays_total",
    "Writes answered from a stored Idempotency-Key answer instead of being run again.",
)


def widget_data_lookups(*, hits: int, misses: int) -> None:
    if hits:
        WIDGET_DATA_CACHE.labels(result="hit").inc(hits)
    if misses:
        WIDGET_DATA_CACHE.labels(result="miss").inc(misses)
