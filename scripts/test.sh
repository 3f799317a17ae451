#!/usr/bin/env bash
# Install everything (Python packages, Debian's chromium and a CJK font) and run the whole suite,
# first on SQLite, then on PostgreSQL (the server on 127.0.0.1:5432 when reachable, else a
# throw-away cluster started here). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v openssl >/dev/null || need_apt+=(openssl)  # the webhook TLS tests make a certificate
[ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)  # the sensor tests' MQTT broker
command -v redis-server >/dev/null || need_apt+=(redis-server)  # the shared cache of the two-process tests
# scripts/cluster.sh (the crash test: nginx in front of app processes under supervisord)
{ [ -x /usr/sbin/nginx ] && command -v supervisord >/dev/null; } || need_apt+=(nginx-light supervisor)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
bash scripts/bootstrap.sh test

# The sensor tests use a real MQTT broker on 127.0.0.1:1883: start Debian's mosquitto when none answers.
if ! (echo > /dev/tcp/127.0.0.1/1883) 2>/dev/null; then
  /usr/sbin/mosquitto -d -p 1883
  for _ in $(seq 20); do (echo > /dev/tcp/127.0.0.1/1883) 2>/dev/null && break; sleep 0.25; done
fi

# The two-process and shared-cache tests use a real Redis on 127.0.0.1:6379: start Debian's when none answers.
if ! (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 20); do (echo > /dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.25; done
fi

export GONGZHI_DATA_DIR=${GONGZHI_DATA_DIR:-$(mktemp -d)}
export GONGZHI_TEST_ARTIFACTS=${GONGZHI_TEST_ARTIFACTS:-$ROOT/test-artifacts}
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -n 2 --dist loadfile --timeout 600)

echo "=== test suite on SQLite"
env -u GONGZHI_DATABASE_URL "${PYTEST[@]}" "$@"

echo "=== test suite on PostgreSQL"
PG_URL=$(bash scripts/postgres.sh)
case "$PG_URL" in *:55432/*) trap 'bash scripts/postgres.sh stop' EXIT ;; esac
GONGZHI_DATABASE_URL="$PG_URL" "${PYTEST[@]}" "$@"
