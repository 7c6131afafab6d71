import { describe, expect, test } from "vitest";
import { hops } from "./fixtures";
import { isUnknownPublisher, layoutObserved, observedGraph, observedGraphKey, OBSERVED_INFO, parseTapList, tapFieldOfError, tapTargetsSchema, unknownPublisher } from "./observed";
import type { Hop, MessageHop } from "./protocol";
import { encodeRecording, parseRecording, RECORDING_FORMAT } from "./recording";
import { PROTOCOL_VERSION } from "./protocol";
import { emptyLedger } from "./ledger";

/** Fixture hops as a tap or a span reports them: ids with spaces go through `names`. */
function observed(spec: string, source: "tap" | "otlp", names: Record<string, string> = {}): MessageHop[] {
  return hops(spec, "observe").map((hop) => {
    const message = hop as MessageHop;
    return { ...message, from: names[message.from] ?? message.from, to: names[message.to] ?? message.to, source };
  });
}

const natsUnknown = unknownPublisher("nats");

describe("observed graph", () => {
  test("a tapped publish comes from the broker's unknown publisher, drawn as inferred, into its subject", () => {
    const graph = observedGraph(observed("published who>nats:orders.created m1 dest=orders.created", "tap", { who: natsUnknown }));
    expect(graph.cast.map((m) => `${m.side}:${m.kind}:${m.id}:${m.inferred ? "inferred" : "observed"}`)).toEqual([`left:actor:${natsUnknown}:inferred`, "middle:channel:nats:orders.created:observed"]);
    expect(graph.cast.find((m) => m.kind === "channel")).toMatchObject({ label: "orders.created", role: "subject", broker: "nats" });
    expect(graph.edges).toEqual([{ id: `${natsUnknown}->nats:orders.created`, source: natsUnknown, target: "nats:orders.created", inferred: true }]);
  });

  test("services named by their spans are observed: the sender left, the consumer right, edges along the message's way", () => {
    const graph = observedGraph(
      observed(
        `published checkout>kafka:orders m1 dest=orders broker=kafka
delivered kafka:orders>billing m1 dest=orders broker=kafka
processed billing>kafka:orders m1 dest=orders broker=kafka`,
        "otlp",
      ),
    );
    expect(graph.cast.map((m) => `${m.side}:${m.id}`)).toEqual(["left:checkout", "middle:kafka:orders", "right:billing"]);
    expect(graph.cast.find((m) => m.id === "kafka:orders")?.role).toBe("topic");
    expect(graph.edges.map((e) => `${e.id}:${e.inferred}`)).toEqual(["checkout->kafka:orders:false", "kafka:orders->billing:false"]);
  });

  test("an edge is observed once any hop along it names both its ends", () => {
    const tapped = observed("published x>redis:alerts m1 dest=alerts broker=redis", "tap", { x: unknownPublisher("redis") });
    const spanned = observed("published x>redis:alerts m2 dest=alerts broker=redis", "otlp", { x: unknownPublisher("redis") });
    expect(observedGraph([...tapped, ...spanned]).edges.every((e) => e.inferred)).toBe(true);
    const named = observed("published pager>redis:alerts m3 dest=alerts broker=redis", "otlp");
    expect(observedGraph([...tapped, ...named]).edges.map((e) => `${e.source}:${e.inferred}`)).toEqual([`${unknownPublisher("redis")}:true`, "pager:false"]);
  });

  test("hops of a scenario's actors or of no channel are left out", () => {
    const actorHop: Hop = hops("actor-started w-1>w-1 worker", "observe")[0] as Hop;
    const stray = observed("published a>b m1 dest=elsewhere", "otlp");
    expect(observedGraph([actorHop, ...stray])).toEqual({ cast: [], edges: [] });
  });

  test("the key changes with the graph and not with more hops along the same edges", () => {
    const one = observed("published a>nats:s m1 dest=s", "otlp");
    const two = observed("published a>nats:s m1 dest=s\npublished a>nats:s m2 dest=s", "otlp");
    const three = observed("published a>nats:s m1 dest=s\ndelivered nats:s>b m1 dest=s", "otlp");
    expect(observedGraphKey(observedGraph(one))).toBe(observedGraphKey(observedGraph(two)));
    expect(observedGraphKey(observedGraph(one))).not.toBe(observedGraphKey(observedGraph(three)));
  });

  test("the layout marks each node and edge observed or inferred, with each channel on its broker", () => {
    const graph = observedGraph([
      ...observed("published p>nats:orders m1 dest=orders", "tap", { p: natsUnknown }),
      ...observed("published shop>redis:carts m2 dest=carts broker=redis\ndelivered redis:carts>mailer m2 dest=carts broker=redis", "otlp"),
    ]);
    const topology = layoutObserved(graph);
    expect(topology.nodes.find((n) => n.id === natsUnknown)?.inferred).toBe(true);
    expect(topology.nodes.find((n) => n.id === "shop")?.inferred).toBeUndefined();
    expect(Object.fromEntries(topology.edges.map((e) => [e.id, e.inferred]))).toEqual({ [`${natsUnknown}->nats:orders`]: true, "shop->redis:carts": false, "redis:carts->mailer": false });
    expect(topology.nodes.filter((n) => n.kind === "channel").map((n) => n.broker)).toEqual(["nats", "redis"]);
  });
});

describe("unknown publishers", () => {
  test("are told apart from a service that happens to end alike", () => {
    expect(isUnknownPublisher(unknownPublisher("kafka"))).toBe(true);
    expect(isUnknownPublisher("billing publisher (unknown)")).toBe(false);
  });
});

describe("tap form", () => {
  test("a field's list splits on commas, spaces and lines, without repeats", () => {
    expect(parseTapList(" orders.>, payments.*\n orders.> ")).toEqual(["orders.>", "payments.*"]);
    expect(parseTapList("  ")).toEqual([]);
  });

  test("RabbitMQ queues are tapped by name: no wildcards, at most sixteen", () => {
    expect(tapTargetsSchema.parse({ rabbitmq: ["billing.jobs"] })).toMatchObject({ rabbitmq: ["billing.jobs"], nats: [] });
    expect(tapTargetsSchema.parse({}).rabbitmq).toEqual([]);
    expect(tapTargetsSchema.safeParse({ rabbitmq: ["jobs.*"] }).success).toBe(false);
    expect(tapTargetsSchema.safeParse({ rabbitmq: [""] }).success).toBe(false);
    expect(tapTargetsSchema.safeParse({ rabbitmq: Array.from({ length: 17 }, (_, i) => `q${i}`) }).success).toBe(false);
  });

  test("a refusal is put next to the field it is about", () => {
    const malformed = tapTargetsSchema.safeParse({ nats: ["orders..created"] });
    expect(malformed.success).toBe(false);
    expect(tapFieldOfError(`nats.0: ${malformed.error?.issues[0]?.message ?? ""}`)).toBe("nats");
    expect(tapFieldOfError("Kafka has no topic nope")).toBe("kafka");
    expect(tapFieldOfError("Redis tap: connect ECONNREFUSED 127.0.0.1:6379")).toBe("redis");
    expect(tapFieldOfError("NATS tap: the NATS tap's start took longer than 15000 ms")).toBe("nats");
    expect(tapFieldOfError("rabbitmq.0: a RabbitMQ queue name: no spaces, `*` or `#`")).toBe("rabbitmq");
    expect(tapFieldOfError("RabbitMQ has no queue jobs")).toBe("rabbitmq");
    expect(tapFieldOfError("RabbitMQ tap: RabbitMQ's management API does not answer")).toBe("rabbitmq");
    expect(tapFieldOfError("Only the presenter can act")).toBeNull();
  });
});

describe("recording of observed traffic", () => {
  test("its header passes the recording format, so it replays", () => {
    const recorded = observed("published p>nats:orders m1 dest=orders", "tap", { p: natsUnknown });
    const state = { id: OBSERVED_INFO.id, running: true, actors: [], ledger: emptyLedger(), latency: { count: 0, lastMs: null, p50Ms: null, p99Ms: null }, settings: {}, gauges: {}, unavailable: null };
    const text = encodeRecording({ format: RECORDING_FORMAT, v: PROTOCOL_VERSION, recordedAt: new Date(0).toISOString(), scenario: OBSERVED_INFO, rules: { guarantee: "at-least-once" }, state }, recorded);
    const parsed = parseRecording(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.recording.hops.map((h) => h.from)).toEqual([natsUnknown]);
  });
});
