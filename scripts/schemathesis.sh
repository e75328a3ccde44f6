#!/usr/bin/env bash
# Schemathesis against the running app (CI step; `make schemathesis`): a fresh SQLite file,
# seed_demo, alice's JWT, gunicorn on a free local port, then every operation of both
# families fuzzed from /api/schema/ with all of schemathesis' checks (server errors,
# status codes, content types, response schemas and headers, negative data rejected, ...).
# Exits non-zero on any failure. MAX_EXAMPLES (default 20) bounds the time.
# DATABASE=postgres runs it on a throwaway PostgreSQL database (127.0.0.1:5432) instead,
# where parameters are bound by the server (docs/operations.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-.venv/bin}"
MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
# One worker: with two, CPython 3.11 hit "AST constructor recursion depth mismatch"
# inside hypothesis (a tool crash, not a finding).
WORKERS="${WORKERS:-1}"

tmp="$(mktemp -d)"
GUNI=""
PG_DB=""
cleanup() {
  if [ -n "$GUNI" ]; then kill -TERM "$GUNI" 2>/dev/null || true; wait "$GUNI" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql -h 127.0.0.1 -U postgres -qc "drop database if exists $PG_DB" postgres >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Production-like settings (DEBUG off) on a throwaway database, local-memory cache.
unset REDIS_URL CACHE_URL
case "${DATABASE:-sqlite}" in
  sqlite) export DATABASE_URL="sqlite:///$tmp/db.sqlite3" ;;
  postgres)
    PG_DB="schemathesis_$$"
    psql -h 127.0.0.1 -U postgres -qc "create database $PG_DB" postgres
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB" ;;
  *) echo "DATABASE: sqlite or postgres" >&2; exit 2 ;;
esac
export DEBUG=0 DJANGO_PLAIN_STATIC=1 SECURE_COOKIES=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY="schemathesis-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export THROTTLE_ANON=1000000/min THROTTLE_USER=1000000/min JWT_ACCESS_MINUTES=60
# The fuzzer tries thousands of wrong logins from one address: limits off for the run.
export LOGIN_FAILURES_PER_ACCOUNT=1000000 LOGIN_FAILURES_PER_ADDRESS=1000000
export LOG_LEVEL=ERROR

$BIN/python manage.py migrate -v0
$BIN/python manage.py seed_demo >/dev/null
TOKEN="$(PYTHONPATH=. $BIN/python scripts/schemathesis_seed.py "$tmp/schemathesis.toml")"

PORT="$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
$BIN/gunicorn dashboards_site.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --no-control-socket --access-logfile /dev/null --error-logfile "$tmp/gunicorn.log" \
  >>"$tmp/gunicorn.log" 2>&1 &
GUNI=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.1; done
curl -fs -o /dev/null "$BASE/readyz"

status=0
$BIN/schemathesis --no-color --config-file "$tmp/schemathesis.toml" run "$BASE/api/schema/?format=json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --workers "$WORKERS" \
  --seed "${SCHEMATHESIS_SEED:-7}" \
  --request-timeout 10 \
  --report junit --report-dir "${SCHEMATHESIS_REPORT_DIR:-$tmp/report}" || status=$?

if grep -q "Traceback" "$tmp/gunicorn.log"; then
  echo "gunicorn logged tracebacks:"; cat "$tmp/gunicorn.log"; status=1
fi
exit "$status"
