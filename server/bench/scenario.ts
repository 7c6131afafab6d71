import { defineScenario } from "../scenarios/model";
import { BENCH_CHANNEL_ID, benchEmitter } from "./emitter";

/** Emits `rate` hops per second; 0: as fast as it can. */
export const BENCH_DEFAULT_RATE = 1_000;

/**
 * Not a lesson: synthetic emitters that measure Hopscope's own pipeline. Kept out of the
 * catalogue, but run by the engine like any scenario.
 */
export const BENCH_SCENARIO = defineScenario({
  id: "bench",
  title: "Pipeline benchmark",
  summary: "",
  pattern: "bench",
  roundTrip: "none",
  publishLabel: "Send",
  settings: {
    rate: { label: "Rate", unit: "hops/s", min: 0, max: 1_000_000, step: 1, default: BENCH_DEFAULT_RATE },
    // 1: every message is published, delivered and acked, so the ledger settles it.
    acks: { label: "Acks", unit: "", min: 0, max: 1, step: 1, default: 0 },
  },
  roles: { emitter: { description: "", program: benchEmitter, transport: "nats", initial: 1, min: 1, max: 4, killable: true, publishes: true } },
  commands: [
    { type: "publish", description: "" },
    { type: "add-actor", description: "" },
    { type: "set", description: "" },
    { type: "reset", description: "" },
  ],
  channels: [{ id: BENCH_CHANNEL_ID, label: "pipeline", kind: "bench" }],
  delivery: { guarantee: "at-most-once" },
  demo: { before: [], settleMs: 0 },
});
