#!/usr/bin/env bash
# The production topology in one command (docs/operations.md): nginx in front of
# INSTANCES gunicorn instances (gunicorn.conf.py), PostgreSQL and Redis from the environment.
#
#   DATABASE_URL=postgres://... REDIS_URL=redis://... SECRET_KEY=... make serve-prod
#
# Optional: HTTP_PORT (nginx, default 8300), INSTANCES (default 1), APP_PORT_BASE (first
# gunicorn port, default HTTP_PORT+1), WEB_CONCURRENCY (workers per instance), RUN_DIR
# (config, pids, logs; default a new temp dir), ALLOWED_HOSTS. Runs in the foreground;
# Ctrl-C or SIGTERM stops nginx and every instance gracefully. Installs Debian's nginx with
# apt-get when it is missing (as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BIN:-.venv/bin}"
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL)}"
: "${REDIS_URL:?set REDIS_URL}"
: "${SECRET_KEY:?set SECRET_KEY}"
HTTP_PORT="${HTTP_PORT:-8300}"
INSTANCES="${INSTANCES:-1}"
APP_PORT_BASE="${APP_PORT_BASE:-$((HTTP_PORT + 1))}"
RUN_DIR="${RUN_DIR:-$(mktemp -d /tmp/dashboards-prod.XXXXXX)}"
mkdir -p "$RUN_DIR"/tmp/{client_body,proxy,fastcgi,uwsgi,scgi}
# nginx's workers run as nobody when the master is root: they write request bodies here.
chmod -R 1777 "$RUN_DIR/tmp"

if ! command -v nginx >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian's nginx…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null
  else
    echo "nginx is missing: apt-get install nginx-light" >&2; exit 1
  fi
fi

export DEBUG=0 DATABASE_URL REDIS_URL SECRET_KEY
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# The client address is the one nginx (on this host) reports in X-Forwarded-For.
export NUM_PROXIES="${NUM_PROXIES:-1}"
export LOG_FORMAT="${LOG_FORMAT:-json}" LOG_LEVEL="${LOG_LEVEL:-INFO}"
# Plain HTTP on loopback here; behind TLS termination set SECURE_COOKIES=1 (the default).
export SECURE_COOKIES="${SECURE_COOKIES:-0}"

$BIN/python manage.py migrate --no-input -v0
$BIN/python manage.py collectstatic --no-input -v0
STATIC_ROOT="$($BIN/python -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboards_site.settings"); import django; django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)')"

PIDS=()
stop() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM

UPSTREAMS=""
for i in $(seq 1 "$INSTANCES"); do
  port=$((APP_PORT_BASE + i - 1))
  PROMETHEUS_MULTIPROC_DIR="$RUN_DIR/prometheus-$i" GUNICORN_BIND="127.0.0.1:$port" \
    $BIN/gunicorn -c gunicorn.conf.py >>"$RUN_DIR/app-$i.log" 2>&1 &
  PIDS+=($!)
  echo "$!" >"$RUN_DIR/app-$i.pid"
  UPSTREAMS+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
done

sed -e "s#@RUN_DIR@#$RUN_DIR#g" -e "s#@HTTP_PORT@#$HTTP_PORT#g" -e "s#@STATIC_ROOT@#$STATIC_ROOT#g" \
  deploy/nginx.conf.template | awk -v up="$UPSTREAMS" '{ if ($0 == "@UPSTREAM_SERVERS@") printf "%s", up; else print }' \
  >"$RUN_DIR/nginx.conf"
nginx -t -q -p "$RUN_DIR" -e "$RUN_DIR/nginx-error.log" -c "$RUN_DIR/nginx.conf"

# nginx starts once every instance answers: a probe through nginx while an instance is
# still booting marks it down for fail_timeout, and the first clients would meet
# "no live upstreams" (a 503) although everything is up.
for _ in $(seq 1 150); do
  up=1
  for i in $(seq 1 "$INSTANCES"); do
    curl -fs -o /dev/null "http://127.0.0.1:$((APP_PORT_BASE + i - 1))/healthz" || up=0
  done
  [ "$up" = 1 ] && break
  sleep 0.2
done
nginx -p "$RUN_DIR" -e "$RUN_DIR/nginx-error.log" -c "$RUN_DIR/nginx.conf" &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" && break
  sleep 0.2
done
echo "serving on http://127.0.0.1:$HTTP_PORT ($INSTANCES instance(s) from port $APP_PORT_BASE; run dir $RUN_DIR)"
echo "$RUN_DIR" >"$RUN_DIR/ready"
wait -n "${PIDS[@]}" || true
echo "a process of the topology exited; stopping the rest" >&2
