"""What nginx refuses itself answers in the API's JSON: a request line or a header over
8 KiB (414 / 431), a body over the route's limit (413). Lines just under the limits reach
the app (gunicorn's own HTML refusals sit above nginx's, gunicorn.conf.py).

Usage: oversized.py BASE_URL   (nginx in front, as scripts/serve-prod.sh starts it)
"""

import http.client
import json
import sys
import urllib.parse


def ask(base: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request("POST" if body is not None else "GET", path, body, headers or {})
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def main() -> int:
    base = sys.argv[1]
    checks = [
        ("request line of 6 KiB reaches the app", "/api/dashboards?x=" + "a" * 6000, {}, None,
         401, "NOT_AUTHENTICATED"),
        ("request line over 8 KiB", "/api/dashboards?x=" + "a" * 9000, {}, None,
         414, "URI_TOO_LONG"),
        ("header over 8 KiB", "/api/dashboards", {"X-Big": "a" * 9000}, None,
         431, "HEADERS_TOO_LARGE"),
        ("header over 8 KiB, v1", "/api/v1/dashboards/list", {"X-Big": "a" * 9000}, None,
         431, "HEADERS_TOO_LARGE"),
        ("body over 1 MiB", "/api/dashboards", {"Content-Type": "application/json"},
         b"[" + b" " * (1024 * 1024 + 10) + b"]", 413, "PAYLOAD_TOO_LARGE"),
    ]  # fmt: skip
    failed = 0
    for label, path, headers, body, status, code in checks:
        got, content_type, raw = ask(base, path, headers, body)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {}
        found = payload.get("code") or payload.get("error", {}).get("code")
        ok = got == status and content_type.startswith("application/json") and found == code
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {got} {found}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
