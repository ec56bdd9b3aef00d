#!/usr/bin/env bash
# Installs node_modules on a fresh clone, or again when package-lock.json changed since the last
# install, so `npm start` and `npm test` work as the first commands run in a new checkout.
# Runs on the system Node (whatever runs npm); everything after it runs on the pinned Node 24.
set -euo pipefail
cd "$(dirname "$0")/../.."

stamp=node_modules/.package-lock.json
if [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "› installing dependencies (npm ci) — the first run takes a minute or two"
  npm ci --no-audit --no-fund --loglevel=error
fi

major=$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ]; then
  echo "error: node_modules/.bin/node is not Node 24 (got major ${major}); remove node_modules and retry" >&2
  exit 1
fi
