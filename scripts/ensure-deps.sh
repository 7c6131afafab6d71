#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing dependencies…"
  # `npm ci` installs exactly the lockfile and never rewrites it, so a first start leaves the
  # checkout clean. The lockfile lists every platform's optional builds (scripts/lockfile.test.ts
  # keeps it so), which is what `npm ci` needs on a machine unlike the one that wrote it.
  # --include=dev: `npm start` builds the dashboard, and the build needs Tailwind, PostCSS and
  # TypeScript; NODE_ENV=production would otherwise leave them out.
  npm ci --include=dev --no-fund --no-audit
fi
