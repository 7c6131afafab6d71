#!/usr/bin/env bash
# `npm run dev`: Next.js in development mode (hot reload of pages and components), and the server
# restarted by tsx when a file it imports changes. No production build needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-deps.sh
bash scripts/brokers.sh up || echo "Some brokers are down; their scenarios stay disabled until they answer."
# tsx watches only what the server imports (server/, lib/); app/ and components/ are Next's.
NODE_ENV=development exec npx tsx watch --clear-screen=false server/main.ts
