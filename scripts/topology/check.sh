#!/usr/bin/env bash
# The topology's own checks (CI step; `make topology-check`): serve-prod.sh with two
# instances on a throwaway database and a Redis key prefix of its own, then 50 slow clients,
# the two-instance checks and nginx's own refusals in JSON. Exits non-zero if any check fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${BIN:-.venv/bin}"
HTTP_PORT="${HTTP_PORT:-8310}"
db="dashboards_topology_$$"
run="$(mktemp -d /tmp/dashboards-topology.XXXXXX)"
SERVE=""
cleanup() {
  if [ -n "$SERVE" ]; then kill -TERM "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true; fi
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" postgres >/dev/null 2>&1 || true
  # The keys this run left in the shared Redis.
  $BIN/python -c "import redis, sys; r = redis.Redis.from_url(sys.argv[1]); keys = list(r.scan_iter(sys.argv[2] + ':*')); keys and r.delete(*keys)" \
    "$REDIS_URL" "$CACHE_KEY_PREFIX" >/dev/null 2>&1 || true
  rm -rf "$run"
}
trap cleanup EXIT INT TERM
psql -h 127.0.0.1 -U postgres -qc "create database $db" postgres

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export REDIS_URL="${TOPOLOGY_REDIS_URL:-redis://127.0.0.1:6379/0}"
export CACHE_KEY_PREFIX="topology-$$"
export SECRET_KEY="topology-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export THROTTLE_USER=12/min THROTTLE_ANON=1000/min WEB_CONCURRENCY=2 LOG_LEVEL=WARNING
export DJANGO_SETTINGS_MODULE=dashboards_site.settings
$BIN/python manage.py migrate --no-input -v0
PASSWORD="topology-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
$BIN/python manage.py shell -c "
from django.contrib.auth import get_user_model
get_user_model().objects.create_user('topology', password='$PASSWORD')"

HTTP_PORT=$HTTP_PORT INSTANCES=2 RUN_DIR="$run" BIN=$BIN bash scripts/serve-prod.sh >"$run/serve.log" 2>&1 &
SERVE=$!
for _ in $(seq 1 300); do [ -f "$run/ready" ] && break; sleep 0.2; done
[ -f "$run/ready" ] || { cat "$run/serve.log"; exit 1; }

status=0
$BIN/python scripts/topology/slow_clients.py "http://127.0.0.1:$HTTP_PORT" --slow 50 \
  --seconds "${SLOW_SECONDS:-6}" || status=1
$BIN/python scripts/topology/two_instances.py "http://127.0.0.1:$((HTTP_PORT + 1))" \
  "http://127.0.0.1:$((HTTP_PORT + 2))" "http://127.0.0.1:$HTTP_PORT" topology "$PASSWORD" 12 || status=1
$BIN/python scripts/topology/oversized.py "http://127.0.0.1:$HTTP_PORT" || status=1
if grep -q "Traceback" "$run"/app-*.log; then echo "the app logged tracebacks:"; grep -h -A3 Traceback "$run"/app-*.log | head -40; status=1; fi
exit "$status"
