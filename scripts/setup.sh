#!/usr/bin/env bash
# Idempotent set-up: apt packages, the venv (through uv, from uv.lock), translations.
# Usage: scripts/setup.sh [runtime|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-runtime}

runtime_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 fonts-dejavu-core gettext)
test_pkgs=(postgresql chromium poppler-utils libreoffice-calc-nogui)
pkgs=("${runtime_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=""
for c in "${PYTHON:-}" /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 python3.13 python3.12 python3; do
  [ -n "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { PY=$c; break; }
done
[ -n "$PY" ] || { echo "Python >= 3.12 not found (set PYTHON=...)" >&2; exit 1; }

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  rm -rf .venv
  "$PY" -m venv .venv
fi
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv
export UV_PYTHON_DOWNLOADS=never UV_PYTHON="$PWD/.venv/bin/python" VIRTUAL_ENV="$PWD/.venv"
groups=(--no-dev)
[ "$mode" = test ] && groups=()
.venv/bin/uv sync --frozen --inexact --quiet "${groups[@]}"

# Compile the Vietnamese catalogue only when a .po is newer than its .mo.
for po in $(find locale -name '*.po'); do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    msgfmt --check-format -o "$mo" "$po"
  fi
done
