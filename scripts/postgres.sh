#!/usr/bin/env bash
# Prints a PostgreSQL URL for the tests: the server on 127.0.0.1:5432 when it answers, otherwise
# a throw-away cluster started in a temporary folder (installing Debian's postgresql if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = stop ]; then
  for d in /tmp/gongzhi-pg.*; do
    [ -d "$d/data" ] || continue
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    runuser -u postgres -- "$bindir/pg_ctl" -D "$d/data" stop -m fast >/dev/null 2>&1 || "$bindir/pg_ctl" -D "$d/data" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$d"
  done
  exit 0
fi
if [ -z "${GONGZHI_PG_FORCE_LOCAL:-}" ] && .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  echo "postgres://postgres@127.0.0.1:5432/gongzhi"
  exit 0
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
dir=$(mktemp -d /tmp/gongzhi-pg.XXXXXX)
chmod 755 "$dir"
port=55432
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir" 2>/dev/null && as_pg=(runuser -u postgres --); fi
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$dir/log" -w start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/gongzhi"
