#!/usr/bin/env bash
# The whole check: lint, Django checks, then pytest on a throwaway PostgreSQL 15 cluster
# (browser journeys included) and on SQLite. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-test-only-not-secret}
export DJANGO_DEBUG=0

echo "==> ruff"
ruff format --check .
ruff check .

echo "==> django checks (SQLite)"
export DATABASE_URL="sqlite:///$PWD/.cache/check.sqlite3"
mkdir -p .cache
python manage.py check --fail-level WARNING
python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Missing migrations:"; python manage.py makemigrations --check --dry-run; exit 1; }
DJANGO_SETTINGS_MODULE=config.settings_production DJANGO_ALLOWED_HOSTS=example.org \
  DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
  python manage.py check --deploy --fail-level WARNING

echo "==> throwaway PostgreSQL"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDIR=$(mktemp -d /tmp/donghanh-pg.XXXXXX)
chown postgres:postgres "$PGDIR"
PORT=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
  -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB"
psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE app OWNER app"

echo "==> pytest on PostgreSQL (browser journeys included)"
DATABASE_URL="postgres://app:app@127.0.0.1:$PORT/app" pytest -q -n 2 "$@"

echo "==> pytest on SQLite"
DATABASE_URL="sqlite:///$PWD/.cache/test.sqlite3" pytest -q -n 2 -m "not browser" "$@"
