#!/usr/bin/env bash
# `npm start`: dependencies, brokers, a production build when the sources changed, then the server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Next.js would report usage to Vercel from the build and the server; Hopscope stays offline.
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-deps.sh
# A missing broker is not fatal: the dashboard shows it as down, with the command that starts it.
bash scripts/brokers.sh up || echo "Some brokers are down; their scenarios stay disabled until they answer."

stale=yes
if [ -f .next/BUILD_ID ]; then
  newer=$(find app components lib public next.config.js postcss.config.mjs package-lock.json -newer .next/BUILD_ID -print -quit 2>/dev/null)
  [ -z "$newer" ] && stale=no
fi
if [ "$stale" = yes ]; then
  echo "Building the dashboard (about half a minute)…"
  npx next build
fi
# Node itself, not the tsx command: that wrapper relays Ctrl-C to its child and SIGKILLs it when
# the child does not confirm within 30 ms, which a busy machine misses, and then no graceful stop.
NODE_ENV=production exec node --import tsx server/main.ts
