import { defineScenario } from "../model";
import { commandService } from "./command-service";
import { projectionGauges } from "./gauges";
import { CHANNELS, LINKS } from "./layout";
import { COMMAND_SERVICE, PROJECTOR, PROJECTOR_GROUP, QUERY_SERVICE, READ_MODEL, SESSION_TIMEOUT_MS, TOPIC } from "./names";
import { projector } from "./projector";
import { queryService } from "./query-service";

export const cqrsProjection = defineScenario({
  id: "cqrs-projection",
  title: "CQRS: a read model that lags",
  summary: `Writes and reads go separate ways. The command service appends each task command as an event to the Kafka topic ${TOPIC}, the event store. A projector in group ${PROJECTOR_GROUP} folds the events into the read model ${READ_MODEL} in Redis, and the query service answers only from that model. The read side is eventually consistent: the picture shows how many events and milliseconds it is behind. Kill the projector and the lag grows, and every answer is stale; add one and it resumes from the group's committed offset and catches up.`,
  pattern: "story",
  roundTrip: "append → Kafka ack (acks=all)",
  publishLabel: "Send command",
  settings: {
    delayMs: { label: "Projection work per event", unit: "ms", min: 0, max: 60_000, step: 10, default: 50 },
    queryEveryMs: { label: "One query per query service every", unit: "ms", min: 0, max: 60_000, step: 100, default: 1_000 },
  },
  roles: {
    [COMMAND_SERVICE]: { description: `The write side: appends task events to ${TOPIC}, each confirmed by Kafka`, program: commandService, transport: "kafka", initial: 1, min: 1, max: 1, killable: false, publishes: true },
    [PROJECTOR]: { description: `Member of group ${PROJECTOR_GROUP}: folds each event into ${READ_MODEL} in Redis, once`, program: projector, transport: "kafka", alsoSpeaks: ["redis"], initial: 1, min: 0, max: 3, killable: true },
    [QUERY_SERVICE]: { description: `The read side: answers from ${READ_MODEL} only, and says when the answer is stale`, program: queryService, transport: "redis", alsoSpeaks: ["kafka"], initial: 1, min: 0, max: 3, killable: true },
  },
  commands: [
    { type: "publish", description: "Send one task command, or a burst of count: each appends one event (created, started, completed)" },
    { type: "add-actor", description: "Add a projector (it resumes from the committed offset) or a query service" },
    { type: "kill-actor", description: `SIGKILL a projector: the read model stops and the lag grows; its group hands the log on after ${SESSION_TIMEOUT_MS / 1000} s` },
    { type: "set", description: "Change delayMs (projection work per event) or queryEveryMs (0 stops the queries)" },
    { type: "reset", description: "Clear the ledger and the hop log" },
  ],
  channels: CHANNELS,
  links: LINKS,
  delivery: {
    guarantee: "at-least-once",
    exclusiveDelivery: true,
    legs: [
      { name: "event store", guarantee: "at-least-once", destinations: [TOPIC], completesOn: ["processed"] },
      { name: "read model", guarantee: "at-least-once", destinations: [READ_MODEL], completesOn: ["confirmed"] },
    ],
    unit: { name: "command", completesWhenAll: [READ_MODEL], endsOnDropIn: [], queriesOn: READ_MODEL },
  },
  gauges: { transport: "kafka", open: projectionGauges },
  demo: {
    settings: { delayMs: 150, queryEveryMs: 1_200 },
    warmupMs: 4_000,
    before: [{ count: 6 }],
    kill: { role: PROJECTOR, afterMs: 900 },
    after: [{ count: 4 }],
    // Long enough for a few stale answers; then a new projector resumes from the last commit.
    replaceAfterMs: 3_000,
    settleMs: 10_000,
  },
});
