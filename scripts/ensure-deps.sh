#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies…"
  # Not `npm ci`: its strict check trips over optional packages for other platforms that the
  # lockfile cannot list when the registry serves only this platform's builds.
  npm install --no-fund --no-audit
fi
