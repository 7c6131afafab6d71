#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NEXT_TELEMETRY_DISABLED=1
bash scripts/ensure-deps.sh

step() { printf "\n\033[1m▶ %s\033[0m\n" "$1"; }

step "Brokers"
bash scripts/brokers.sh up nats rabbitmq redis kafka
# Beside the machine's NATS: one that traces messages, for the broker's view of who got each.
bash scripts/nats-tracing.sh up
step "Type check"
npx tsc --noEmit -p .
step "Lint"
npx eslint --max-warnings 0 .
step "Unit tests"
npx vitest run --project unit
step "Integration tests (real NATS, RabbitMQ, Redis and Kafka)"
npx vitest run --project integration
step "Soak, short: each broker restarted once under load (npm run soak restarts each 10 times)"
npx tsx scripts/soak.ts --rounds 1 --long-outage-s 0
step "Build"
npx next build
step "End-to-end tests (Playwright, system Chromium)"
npx playwright test
