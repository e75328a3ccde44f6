#!/usr/bin/env bash
# What recycling workers costs the requests in flight: gunicorn.conf.py as in production,
# but with workers recycled every MAX_REQUESTS requests (no jitter: every worker at once,
# the worst case), with the app loaded by the master (preload_app, the default) and
# without it, alternating. Prints req/s, p99 and the slowest request of each run, how
# many workers were replaced, and the workers' memory at the end: RSS, and PSS (shared
# pages divided among the processes sharing them, what a worker really adds).
#
#   bash bench/restarts.sh                     # v1 list, 3 rounds of 20 s
#   MAX_REQUESTS=3000 ROUNDS=2 bash bench/restarts.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${PORT:-8341}"; DURATION="${DURATION:-20s}"; ROUNDS="${ROUNDS:-3}"; MAX_REQUESTS="${MAX_REQUESTS:-4000}"
BIN=.venv/bin
db=restarts_$$
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}" CACHE_KEY_PREFIX="restarts-$$"
export SECRET_KEY="restarts-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_COOKIES=0 THROTTLE_USER=100000000/min
export GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 GUNICORN_ACCESS_LOG=/dev/null
export GUNICORN_MAX_REQUESTS="$MAX_REQUESTS" GUNICORN_MAX_REQUESTS_JITTER=0
GUNI=""; LOG=$(mktemp)
cleanup() {
  [ -n "$GUNI" ] && kill -TERM "$GUNI" 2>/dev/null && wait "$GUNI" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" postgres >/dev/null 2>&1 || true
  rm -f "$LOG"
}
trap cleanup EXIT INT TERM
psql -h 127.0.0.1 -U postgres -qc "create database $db" postgres
$BIN/python manage.py migrate -v0
mapfile -t out < <($BIN/python bench/seed.py)
TOKEN=${out[0]}
URL="http://127.0.0.1:$PORT${READ_PATH:-/api/v1/dashboards/list}"
printf "%-8s %-5s %9s %10s %10s %9s %12s %12s\n" preload round req/s p99 max replaced rss_mb_max pss_mb_max
for round in $(seq 1 "$ROUNDS"); do
  for preload in 0 1; do
    : >"$LOG"
    GUNICORN_PRELOAD=$preload GUNICORN_ERROR_LOG="$LOG" $BIN/gunicorn -c gunicorn.conf.py &
    GUNI=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
    wrk -t1 -c4 -d2s -H "Authorization: Bearer $TOKEN" "$URL" >/dev/null  # warm
    booted=$(grep -c "Booting worker" "$LOG")
    res=$(wrk -t2 -c16 -d"$DURATION" --timeout 10s --latency -H "Authorization: Bearer $TOKEN" "$URL")
    replaced=$(( $(grep -c "Booting worker" "$LOG") - booted ))
    rss=0; pss=0
    for pid in $(pgrep -P "$GUNI"); do
      r=$(awk '/^Rss:/{print $2}' "/proc/$pid/smaps_rollup"); p=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup")
      [ "$r" -gt "$rss" ] && rss=$r; [ "$p" -gt "$pss" ] && pss=$p
    done
    printf "%-8s %-5s %9s %10s %10s %9s %12s %12s\n" "$preload" "$round" "$(awk '/^Requests\/sec/{print $2}' <<<"$res")" \
      "$(awk '$1=="99%"{print $2}' <<<"$res")" "$(awk '/Latency/{print $4; exit}' <<<"$res")" "$replaced" \
      "$((rss / 1024))" "$((pss / 1024))"
    kill -TERM "$GUNI"; wait "$GUNI" 2>/dev/null || true; GUNI=""
  done
done
