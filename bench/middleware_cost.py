"""What the request-context and database-guard middleware add to every request, in
microseconds (CPU), with prometheus_client in multi-process mode as under gunicorn.
A complement to bench/overhead.sh, whose whole-request figures are noisy on a busy machine.

    .venv/bin/python bench/middleware_cost.py [N]
"""

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings")
os.environ.setdefault("DJANGO_ALLOW_INSECURE_KEY", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from ops.database import DatabaseGuardMiddleware  # noqa: E402
from ops.middleware import RequestContextMiddleware  # noqa: E402

PATH = "/api/dashboards/3f2c6a2e-8c1a-4d5b-9a57-5d1f0c1e2b3a"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    factory = RequestFactory()
    match = resolve(PATH)
    response = HttpResponse(b"{}")

    def view(request):
        request.resolver_match = match
        return response

    bare = view
    wrapped = RequestContextMiddleware(DatabaseGuardMiddleware(view))
    requests = [factory.get(PATH) for _ in range(n)]
    for label, handler in (("without", bare), ("with", wrapped)):
        for request in requests[:1000]:
            handler(request)
        started = time.process_time()
        for request in requests:
            handler(request)
        per = (time.process_time() - started) / n * 1e6
        print(f"{label:8} the middleware: {per:6.2f} µs per request")


if __name__ == "__main__":
    main()
