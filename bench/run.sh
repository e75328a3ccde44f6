#!/usr/bin/env bash
# The project under the floor's load, in the same run as the floor (SPEC, Performance
# targets): gunicorn 2 sync workers, PostgreSQL, 1,000 dashboards, wrk -t2 -c16.
# Usage: bash bench/run.sh            (project, then the floor if ../shared/floor exists)
#        SKIP_FLOOR=1 bash bench/run.sh
#        PORT=8530 FLOOR_PORT=8531 DURATION=10s REPEAT=2 bash bench/run.sh
# Reads: detail, list of 50, filtered list (the floor's three), v1 list, one widget's data
# (200, and 304 with If-None-Match); the last three have no twin in the floor.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${PORT:-8091}"; FLOOR_PORT="${FLOOR_PORT:-8090}"; DURATION="${DURATION:-10s}"; REPEAT="${REPEAT:-2}"; PAUSE="${PAUSE:-3}"
BIN=.venv/bin
db=bench_$$
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
export SECRET_KEY="bench-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_COOKIES=0 THROTTLE_USER=100000000/min
GUNI=""
cleanup() {
  [ -n "$GUNI" ] && kill -TERM "$GUNI" 2>/dev/null && wait "$GUNI" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" postgres >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
psql -h 127.0.0.1 -U postgres -qc "create database $db" postgres
echo "migrating and seeding $db…"
$BIN/python manage.py migrate -v0
mapfile -t out < <($BIN/python bench/seed.py)
TOKEN=${out[0]}; ID=${out[1]}; KPI=${out[2]}; WIDGET=${out[3]}
$BIN/python manage.py collectstatic --no-input -v0
$BIN/gunicorn dashboards_site.wsgi --bind 127.0.0.1:$PORT --workers 2 --worker-class sync \
  --no-control-socket --access-logfile /dev/null --error-logfile /tmp/bench-gunicorn.log &
GUNI=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 50); do curl -s -o /dev/null "$BASE/healthz" && break; sleep 0.2; done
DATA="/api/dashboards/$KPI/widgets/$WIDGET/data"
ETAG=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE$DATA" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
# The floor has no twin for the last three: hold them against the floor's detail.
NAMES=(detail list50 filter_sales v1_list widget_200 widget_304)
URLS=("/api/dashboards/$ID" "/api/dashboards?\$top=50" "/api/dashboards?\$top=50&\$filter=contains(name,'sales')"
      "/api/v1/dashboards/list" "$DATA" "$DATA")
EXTRA=("" "" "" "" "" "If-None-Match: $ETAG")
for i in "${!URLS[@]}"; do
  u=${URLS[$i]}; want=200; hdr=(-H "X-Bench: 1"); [ -n "${EXTRA[$i]}" ] && { hdr=(-H "${EXTRA[$i]}"); want=304; }
  c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "${hdr[@]}" "$BASE$u")
  [ "$c" = "$want" ] || { echo "sanity: $u -> $c"; curl -s -H "Authorization: Bearer $TOKEN" "$BASE$u" | head -c 500; exit 1; }
  wrk -t2 -c16 -d3s -H "Authorization: Bearer $TOKEN" "${hdr[@]}" "$BASE$u" >/dev/null; sleep "$PAUSE"
done
echo "== project (gunicorn, 2 sync workers) =="
printf "%-13s %-3s %9s %10s %10s %8s %8s\n" endpoint run req/s lat_p50 lat_p99 requests non2xx
for i in "${!URLS[@]}"; do for r in $(seq 1 "$REPEAT"); do
  sleep "$PAUSE"
  hdr=(-H "X-Bench: 1"); [ -n "${EXTRA[$i]}" ] && hdr=(-H "${EXTRA[$i]}")
  res=$(wrk -t2 -c16 -d"$DURATION" --timeout 10s --latency -H "Authorization: Bearer $TOKEN" "${hdr[@]}" "$BASE${URLS[$i]}")
  printf "%-13s %-3s %9s %10s %10s %8s %8s\n" "${NAMES[$i]}" "$r" "$(awk '/^Requests\/sec/{print $2}' <<<"$res")" \
    "$(awk '$1=="50%"{print $2}' <<<"$res")" "$(awk '$1=="99%"{print $2}' <<<"$res")" \
    "$(awk '/requests in/{print $1}' <<<"$res")" "$(awk -F': *' '/Non-2xx/{print $2}' <<<"$res")"
done; done
kill -TERM "$GUNI"; wait "$GUNI" 2>/dev/null || true; GUNI=""
if [ -z "${SKIP_FLOOR:-}" ] && [ -f ../shared/floor/run.sh ]; then
  echo "== floor (same machine, same run) =="
  PORT="$FLOOR_PORT" DURATION="$DURATION" REPEAT="$REPEAT" PAUSE="$PAUSE" bash ../shared/floor/run.sh
fi
