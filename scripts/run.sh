#!/usr/bin/env bash
# Install everything, build the demo city on SQLite and serve http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export GONGZHI_DATA_DIR=${GONGZHI_DATA_DIR:-$PWD/var}
.venv/bin/gongzhi migrate --noinput
.venv/bin/gongzhi demo
exec .venv/bin/gongzhi serve --host "${GONGZHI_HOST:-127.0.0.1}" --port "${GONGZHI_PORT:-8000}"
