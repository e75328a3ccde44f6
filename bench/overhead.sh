#!/usr/bin/env bash
# Per-request cost of a change on one read (the detail unless READ says), measured as gunicorn workers' CPU time
# (and the PostgreSQL backends') per request (robust when other work shares the machine, unlike req/s), alternating
# between two source trees on the same database shape (bench/seed.py).
#
#   bash bench/overhead.sh /path/to/base/tree            # base vs this tree
#   ROUNDS=4 DURATION=6s bash bench/overhead.sh DIR
#   READ=list bash bench/overhead.sh DIR                 # detail (default), list, v1, widget
# Both trees run with this tree's .venv: a base tree from before gunicorn_h1c was a
# requirement parses requests with it too, unless its gunicorn.conf.py sets
# http_parser = "python" (as the old code ran).
set -euo pipefail
HEAD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_DIR="$(cd "$1" && pwd)"
PORT="${PORT:-8331}"; DURATION="${DURATION:-6s}"; ROUNDS="${ROUNDS:-3}"
BIN="$HEAD_DIR/.venv/bin"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}" DEBUG=0 ALLOWED_HOSTS=127.0.0.1
export SECRET_KEY="overhead-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export SECURE_COOKIES=0 THROTTLE_USER=100000000/min LOG_LEVEL=WARNING DJANGO_PLAIN_STATIC=1
GUNI=""; DBS=()
cleanup() {
  [ -n "$GUNI" ] && kill -TERM "$GUNI" 2>/dev/null && wait "$GUNI" 2>/dev/null
  for db in "${DBS[@]}"; do psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" postgres >/dev/null 2>&1 || true; done
}
trap cleanup EXIT INT TERM

READ="${READ:-detail}"
declare -A TOKEN ID KPI WIDGET
for name in base head; do
  dir=$([ $name = base ] && echo "$BASE_DIR" || echo "$HEAD_DIR")
  db="overhead_${name}_$$"; DBS+=("$db")
  psql -h 127.0.0.1 -U postgres -qc "create database $db" postgres
  (cd "$dir" && DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" $BIN/python manage.py migrate -v0)
  mapfile -t out < <(cd "$dir" && DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" $BIN/python bench/seed.py)
  TOKEN[$name]=${out[0]}; ID[$name]=${out[1]}; KPI[$name]=${out[2]}; WIDGET[$name]=${out[3]}
done

ticks() { # CPU ticks (user+system) of the workers of gunicorn $1
  local total=0
  for pid in $(pgrep -P "$1"); do
    read -r -a f <"/proc/$pid/stat"; total=$((total + f[13] + f[14]))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
pg_ticks() { # CPU ticks of the PostgreSQL backends serving database $1
  local total=0
  for pid in $(pgrep -f "postgres: .* $1 "); do
    read -r -a f <"/proc/$pid/stat"; total=$((total + f[13] + f[14]))
  done
  echo "$total"
}
printf "%-5s %-5s %9s %12s %12s\n" tree round req/s cpu_ms/req pg_ms/req
for round in $(seq 1 "$ROUNDS"); do
  for name in base head; do
    dir=$([ $name = base ] && echo "$BASE_DIR" || echo "$HEAD_DIR")
    db="overhead_${name}_$$"
    prom="$(mktemp -d)"
    (cd "$dir" && DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" CACHE_KEY_PREFIX="overhead-$name-$$" \
      PROMETHEUS_MULTIPROC_DIR="$prom" exec $BIN/gunicorn dashboards_site.wsgi --bind 127.0.0.1:$PORT \
      --workers 2 --worker-class sync --access-logfile /dev/null --error-logfile /dev/null) &
    GUNI=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    case "$READ" in
      detail) path="/api/dashboards/${ID[$name]}" ;;
      list) path="/api/dashboards?\$top=50" ;;
      v1) path="/api/v1/dashboards/list" ;;
      widget) path="/api/dashboards/${KPI[$name]}/widgets/${WIDGET[$name]}/data" ;;
      *) echo "READ: detail, list, v1 or widget" >&2; exit 2 ;;
    esac
    url="http://127.0.0.1:$PORT$path"
    wrk -t1 -c4 -d2s -H "Authorization: Bearer ${TOKEN[$name]}" "$url" >/dev/null  # warm
    before=$(ticks "$GUNI"); pg_before=$(pg_ticks "$db")
    res=$(wrk -t2 -c8 -d"$DURATION" -H "Authorization: Bearer ${TOKEN[$name]}" "$url")
    after=$(ticks "$GUNI"); pg_after=$(pg_ticks "$db")
    requests=$(awk '/requests in/{print $1}' <<<"$res")
    printf "%-5s %-5s %9s %12.3f %12.3f\n" "$name" "$round" "$(awk '/^Requests\/sec/{print $2}' <<<"$res")" \
      "$(echo "($after - $before) * 1000 / $hz / $requests" | bc -l)" \
      "$(echo "($pg_after - $pg_before) * 1000 / $hz / $requests" | bc -l)"
    kill -TERM "$GUNI"; wait "$GUNI" 2>/dev/null || true; GUNI=""
    rm -rf "$prom"
  done
done
