#!/usr/bin/env bash
# A production-style deployment on this machine (docs/deploy.md):
#   PostgreSQL (the local server on 127.0.0.1:5432, else a cluster of scripts/postgres.sh),
#   N app processes (gunicorn, one process each, threads inside) behind Debian's nginx,
#   the cache and the task queue on Redis (127.0.0.1:6379; django-tasks' RQ backend),
#   task workers and, where the emergency app has it, the sensor subscriber (`gongzhi sensors listen`),
#   all under supervisord, which restarts any of them when it dies.
#
#   bash scripts/cluster.sh [--app-processes N] [--task-workers K] [--port P] [--dir D] [--threads T]
#   bash scripts/cluster.sh --stop [--dir D]
#
# GONGZHI_* variables set by the caller are passed on to every process (e.g. GONGZHI_DATABASE_URL
# for another database, GONGZHI_PRODUCTION=1 with GONGZHI_SECRET_KEY and GONGZHI_DATA_KEYS). Prints the address when every
# app process answers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=2; K=1; PORT=8080; DIR=$ROOT/var/cluster; THREADS=3; STOP=0; REDIS_DB=${GONGZHI_CLUSTER_REDIS_DB:-4}
while [ $# -gt 0 ]; do
  case "$1" in
    --app-processes) N=$2; shift 2 ;;
    --task-workers) K=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --stop) STOP=1; shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "scripts/cluster.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$N$K$PORT$THREADS" in *[!0-9]*) echo "scripts/cluster.sh: --app-processes, --task-workers, --port and --threads take numbers" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$K" -ge 0 ] || { echo "scripts/cluster.sh: at least one app process" >&2; exit 2; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
SUPERVISORCTL=(supervisorctl -c "$DIR/supervisord.conf")

if [ "$STOP" = 1 ]; then
  if [ -f "$DIR/supervisord.pid" ] && kill -0 "$(cat "$DIR/supervisord.pid")" 2>/dev/null; then
    pid=$(cat "$DIR/supervisord.pid")
    "${SUPERVISORCTL[@]}" shutdown >/dev/null 2>&1 || kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "cluster in $DIR stopped"
    if [ -f "$DIR/redis.pid" ]; then kill -TERM "$(cat "$DIR/redis.pid")" 2>/dev/null || true; rm -f "$DIR/redis.pid"; fi
  else
    echo "no cluster running in $DIR"
  fi
  exit 0
fi

if [ -f "$DIR/supervisord.pid" ] && kill -0 "$(cat "$DIR/supervisord.pid")" 2>/dev/null; then
  echo "scripts/cluster.sh: a cluster already runs in $DIR (stop it with --stop)" >&2
  exit 1
fi

# Debian's packages the deployment runs on (as scripts/test.sh installs its own).
need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v supervisord >/dev/null || need_apt+=(supervisor)
command -v redis-server >/dev/null || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x .venv/bin/gunicorn ] && .venv/bin/python -c "import importlib.util as u, sys; sys.exit(not u.find_spec('django_tasks_rq'))" \
  || bash scripts/bootstrap.sh

# PostgreSQL: the caller's URL, else the local server (a database of its own), else a throw-away cluster.
if [ -z "${GONGZHI_DATABASE_URL:-}" ]; then
  base=$(bash scripts/postgres.sh)
  GONGZHI_DATABASE_URL="${base%/*}/gongzhi_cluster"
fi
case "$GONGZHI_DATABASE_URL" in postgres*) ;; *) echo "scripts/cluster.sh: GONGZHI_DATABASE_URL must be PostgreSQL" >&2; exit 2 ;; esac
.venv/bin/python - "$GONGZHI_DATABASE_URL" <<'PY'
import sys, psycopg
root, _, name = sys.argv[1].rpartition("/")
with psycopg.connect(f"{root}/postgres", autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PY

# Redis: the local server, else one of our own under the supervisor.
REDIS_PORT=6379; OWN_REDIS=0
if ! .venv/bin/python -c "import redis; redis.Redis(port=6379, socket_connect_timeout=2).ping()" 2>/dev/null; then
  OWN_REDIS=1; REDIS_PORT=${GONGZHI_CLUSTER_REDIS_PORT:-6390}
fi
REDIS=redis://127.0.0.1:$REDIS_PORT

[ -f "$DIR/secret" ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(48))" > "$DIR/secret"
chmod 600 "$DIR/secret"
APP_BASE=$((PORT + 100))
{
  echo "GONGZHI_DATABASE_URL=$GONGZHI_DATABASE_URL"
  echo "GONGZHI_DATA_DIR=${GONGZHI_DATA_DIR:-$DIR/data}"
  echo "GONGZHI_CACHE=$REDIS/$REDIS_DB"
  echo "GONGZHI_TASK_BACKEND=$REDIS/$((REDIS_DB + 1))"
  echo "GONGZHI_TRUSTED_PROXY=127.0.0.1"
  echo "GONGZHI_APP_THREADS=$THREADS"
  echo "GONGZHI_SECRET_KEY=${GONGZHI_SECRET_KEY:-$(cat "$DIR/secret")}"
  echo "GONGZHI_ALLOWED_HOSTS=${GONGZHI_ALLOWED_HOSTS:-127.0.0.1,localhost}"
  env | grep '^GONGZHI_' | grep -Ev '^GONGZHI_(DATABASE_URL|DATA_DIR|CACHE|TASK_BACKEND|TRUSTED_PROXY|APP_THREADS|SECRET_KEY|ALLOWED_HOSTS)=' || true
  echo "DJANGO_SETTINGS_MODULE=gongzhi.settings"
} > "$DIR/cluster.env"
chmod 600 "$DIR/cluster.env"
set -a; . "$DIR/cluster.env"; set +a
mkdir -p "$GONGZHI_DATA_DIR" "$DIR/log" "$DIR/nginx"

if [ "$OWN_REDIS" = 1 ]; then  # the queue must be up before migrate's checks and the workers
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/log/redis.log" --dir "$DIR"
fi

# Once per start, not in every process (one Python start-up): migrations, the static files nginx
# serves, and the long-running processes apps register (core.periodic.register_process: the emergency
# app's sensor subscriber, `gongzhi sensors listen`), one supervised program each.
.venv/bin/python - > "$DIR/prepared" <<'PY'
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from gongzhi.core import periodic
call_command("migrate", interactive=False, verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
print("static", settings.STATIC_ROOT, sep="\t")
for name, argv in getattr(periodic, "PROCESSES", {}).items():
    print("process", name, " ".join(argv), sep="\t")
PY
STATIC=$(awk -F'\t' '$1 == "static" {print $2}' "$DIR/prepared")
chmod -R o+rX "$STATIC" 2>/dev/null || true

upstreams=""
for i in $(seq 0 $((N - 1))); do upstreams+="    server 127.0.0.1:$((APP_BASE + i)) max_fails=0;"$'\n'; done
nginx_user=""
[ "$(id -u)" = 0 ] && nginx_user="user www-data;"
cat > "$DIR/nginx.conf" <<EOF
# Written by scripts/cluster.sh: the reverse proxy in front of the $N app processes.
$nginx_user
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/log/nginx-error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $DIR/nginx/body;
  proxy_temp_path $DIR/nginx/proxy;
  fastcgi_temp_path $DIR/nginx/fastcgi;
  uwsgi_temp_path $DIR/nginx/uwsgi;
  scgi_temp_path $DIR/nginx/scgi;
  client_max_body_size 60m;
  upstream gongzhi {
$upstreams    keepalive 64;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:$PORT backlog=4096;
    location /static/ { alias $STATIC/; expires 7d; }
    location / {
      proxy_pass http://gongzhi;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream error timeout;
      proxy_read_timeout 120s;
    }
  }
}
EOF
"$NGINX" -t -c "$DIR/nginx.conf" -q

subscribers=""
while IFS=$'\t' read -r kind name argv; do
  [ "$kind" = process ] || continue
  subscribers+="[program:$name]
command=$ROOT/.venv/bin/gongzhi $argv
autorestart=true
startsecs=3
stopsignal=TERM
stdout_logfile=$DIR/log/$name.log
redirect_stderr=true

"
done < "$DIR/prepared"
workers=""
if [ "$K" -ge 1 ]; then
  workers="[program:worker]
command=$ROOT/.venv/bin/gongzhi worker
process_name=worker-%(process_num)d
numprocs=$K
autorestart=true
startsecs=3
stopwaitsecs=60
stdout_logfile=$DIR/log/worker-%(process_num)d.log
redirect_stderr=true
"
fi
env_line=$(grep -v '^#' "$DIR/cluster.env" | sed 's/%/%%/g; s/"/\\"/g; s/^\([^=]*\)=\(.*\)$/\1="\2"/' | paste -sd, -)
cat > "$DIR/supervisord.conf" <<EOF
; Written by scripts/cluster.sh: every process of the deployment, restarted when it dies.
[unix_http_server]
file=$DIR/supervisor.sock
chmod=0700

[supervisord]
logfile=$DIR/log/supervisord.log
pidfile=$DIR/supervisord.pid
childlogdir=$DIR/log
directory=$ROOT
environment=$env_line

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$DIR/supervisor.sock

[program:app]
command=$ROOT/.venv/bin/gunicorn gongzhi.wsgi:application -c $ROOT/scripts/cluster/gunicorn.conf.py --bind 127.0.0.1:%(process_num)d
process_name=app-%(process_num)d
numprocs=$N
numprocs_start=$APP_BASE
autorestart=true
startsecs=2
stopwaitsecs=30
stdout_logfile=$DIR/log/app-%(process_num)d.log
redirect_stderr=true

$workers
$subscribers[program:nginx]
command=$NGINX -c $DIR/nginx.conf -g "daemon off;"
autorestart=true
startsecs=1
stdout_logfile=$DIR/log/nginx.log
redirect_stderr=true
EOF
supervisord -c "$DIR/supervisord.conf"

# Ready when nginx answers and every app process has warmed up and answers on its own port.
deadline=$((SECONDS + ${GONGZHI_CLUSTER_START_TIMEOUT:-300}))
for port in "$PORT" $(seq "$APP_BASE" $((APP_BASE + N - 1))); do
  until .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/', timeout=5)" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "scripts/cluster.sh: 127.0.0.1:$port did not answer in time; see $DIR/log" >&2
      "${SUPERVISORCTL[@]}" status >&2 || true
      exit 1
    fi
    sleep 0.5
  done
done
"${SUPERVISORCTL[@]}" status
echo "Gongzhi cluster: http://127.0.0.1:$PORT/ ($N app processes, $K task workers${subscribers:+, subscribers: $(echo "$subscribers" | grep -o "^\[program:[^]]*" | cut -d: -f2 | paste -sd " " -)}; logs in $DIR/log; stop: bash scripts/cluster.sh --stop${DIR:+ --dir $DIR})"
