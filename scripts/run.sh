#!/usr/bin/env bash
# Set up, migrate SQLite, load the demo district once, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_DEBUG=${DJANGO_DEBUG:-1}
python manage.py migrate --noinput -v 0
python manage.py seed_demo --if-empty
python manage.py demo_logins
exec python manage.py runserver 127.0.0.1:8000
