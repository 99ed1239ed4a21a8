#!/usr/bin/env bash
# Refresh the vendored front-end files in static/vendor from the npm registry (no CDN at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent bootstrap@5.3 bootstrap-icons@1 htmx.org@2 chart.js@4)
N=$tmp/node_modules V=static/vendor
mkdir -p $V/bootstrap $V/bootstrap-icons/fonts $V/htmx $V/chartjs
cp $N/bootstrap/dist/css/bootstrap.min.css* $N/bootstrap/dist/js/bootstrap.bundle.min.js* $V/bootstrap/
cp $N/bootstrap-icons/font/bootstrap-icons.min.css $V/bootstrap-icons/
cp $N/bootstrap-icons/font/fonts/* $V/bootstrap-icons/fonts/
cp $N/htmx.org/dist/htmx.min.js $V/htmx/
cp $N/chart.js/dist/chart.umd.min.js $V/chartjs/
