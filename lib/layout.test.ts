import { describe, expect, test } from "vitest";
import { castOf } from "./cast";
import { hops } from "./fixtures";
import type { ActorState, ScenarioInfo } from "./protocol";
import { layoutSequence } from "./sequence";
import { cutOnStage, edgeForHop, layoutTopology, TOPOLOGY_COLUMN_GAP, TOPOLOGY_STAGE_MIN_ZOOM, topologyExtent, type TopologyGroup } from "./topology";
import { hopDeltas } from "./traces";

const scenario: ScenarioInfo = {
  id: "s",
  title: "s",
  summary: "",
  pattern: "request-reply",
  broker: "nats",
  brokers: ["nats"],
  guarantee: "at-most-once",
  roundTrip: "send → answer",
  publishLabel: "Send",
  roles: [
    { name: "requester", description: "", min: 1, max: 1, killable: false, transport: "nats", publishes: true },
    { name: "responder", description: "", min: 0, max: 8, killable: true, transport: "nats" },
  ],
  commands: [],
  settings: [],
  channels: [{ id: "subj", label: "inventory.check", kind: "subject" }],
};

const actor = (id: string, role: string, alive = true): ActorState => ({ id, role, pid: 1, alive, connected: alive });
const actors = [actor("responder-10", "responder"), actor("requester-1", "requester"), actor("responder-2", "responder")];

describe("cast", () => {
  test("senders left, the broker in the middle, receivers right in numeric order", () => {
    expect(castOf(scenario, actors, []).map((m) => `${m.side}:${m.id}`)).toEqual(["left:requester-1", "middle:subj", "right:responder-2", "right:responder-10"]);
  });

  test("an actor known only from its hops keeps a lane, as dead", () => {
    const cast = castOf(scenario, actors, hops("actor-killed responder-7>responder-7 responder"));
    expect(cast.find((m) => m.id === "responder-7")).toMatchObject({ alive: false, side: "right" });
  });
});

describe("topology", () => {
  const topology = layoutTopology(castOf(scenario, actors, []));

  test("columns and centred rows", () => {
    const pos = Object.fromEntries(topology.nodes.map((n) => [n.id, [n.x, n.y]]));
    expect(pos["requester-1"]![0]).toBe(0);
    expect(pos.subj![0]).toBeGreaterThan(0);
    expect(pos["responder-2"]![0]).toBeGreaterThan(pos.subj![0]!);
    // One sender between two receivers sits halfway.
    expect(pos["requester-1"]![1]).toBe((pos["responder-2"]![1]! + pos["responder-10"]![1]!) / 2);
  });

  test("edges run sender→broker→receiver, and a hop finds its edge either way", () => {
    expect(topology.edges.map((e) => e.id)).toEqual(["requester-1->subj", "subj->responder-2", "subj->responder-10"]);
    expect(edgeForHop(topology, "subj", "responder-2")).toMatchObject({ reverse: false });
    expect(edgeForHop(topology, "responder-2", "subj")).toMatchObject({ reverse: true });
    expect(edgeForHop(topology, "requester-1", "requester-1")).toBeNull();
  });

  test("on stage, boxes grow more than the space between them, so the type can grow when fitted", () => {
    const stage = layoutTopology(castOf(scenario, actors, []), undefined, { stage: true });
    const extent = (t: typeof topology) => ({
      w: Math.max(...t.nodes.map((n) => n.x + t.sizes[n.kind].w)) - Math.min(...t.nodes.map((n) => n.x)),
      h: Math.max(...t.nodes.map((n) => n.y + t.sizes[n.kind].h)) - Math.min(...t.nodes.map((n) => n.y)),
    });
    const [plain, big] = [extent(topology), extent(stage)];
    expect(stage.sizes.actor.h / topology.sizes.actor.h).toBeGreaterThan(big.h / plain.h);
    expect(stage.sizes.actor.w / topology.sizes.actor.w).toBeGreaterThan(big.w / plain.w);
    // No box overlaps the next one in its column.
    const right = stage.nodes.filter((n) => n.id.startsWith("responder")).sort((a, b) => a.y - b.y);
    expect(right[1]!.y - right[0]!.y).toBeGreaterThan(stage.sizes.actor.h);
    expect(stage.edges).toEqual(topology.edges);
  });

  test("a stage picture is cut when, drawn at the floor's zoom, it is wider or taller than its pane", () => {
    const stage = layoutTopology(castOf(scenario, actors, []), undefined, { stage: true });
    const { width, height } = topologyExtent(stage);
    const atFloor = { width: width * TOPOLOGY_STAGE_MIN_ZOOM, height: height * TOPOLOGY_STAGE_MIN_ZOOM };
    expect(cutOnStage(stage, { width: atFloor.width + 1, height: atFloor.height + 1 })).toBe(false);
    expect(cutOnStage(stage, { width: atFloor.width - 1, height: atFloor.height + 1 })).toBe(true);
    expect(cutOnStage(stage, { width: atFloor.width + 1, height: atFloor.height - 1 })).toBe(true);
    // Before the pane is measured, nothing is said.
    expect(cutOnStage(stage, { width: 0, height: 0 })).toBe(false);
  });
});

describe("topology with links", () => {
  const queue: ScenarioInfo = {
    ...scenario,
    channels: [
      { id: "q", label: "emails", kind: "queue" },
      { id: "retry", label: "emails.retry", kind: "queue" },
      { id: "dlq", label: "emails.dlq", kind: "queue", column: "sink" },
    ],
    links: [
      { from: "role:requester", to: "q" },
      { from: "q", to: "role:responder" },
      { from: "q", to: "retry" },
      { from: "role:responder", to: "dlq" },
    ],
  };
  const topology = layoutTopology(castOf(queue, actors, []), queue.links);

  test("a sink sits past the receivers, and a link in one column is vertical", () => {
    const x = Object.fromEntries(topology.nodes.map((n) => [n.id, n.x]));
    expect(x.dlq).toBeGreaterThan(x["responder-2"]!);
    expect(x.retry).toBe(x.q);
    expect(topology.edges.find((e) => e.id === "q->retry")?.vertical).toBe(true);
    expect(topology.edges.find((e) => e.id === "q->responder-2")?.vertical).toBe(false);
  });

  test("role ends expand to every actor of the role, and nothing else is linked", () => {
    expect(topology.edges.map((e) => e.id).sort()).toEqual(
      ["requester-1->q", "q->responder-2", "q->responder-10", "q->retry", "responder-2->dlq", "responder-10->dlq"].sort(),
    );
  });
});

describe("topology of a story across brokers", () => {
  const role = (name: string, transport: "nats" | "rabbitmq" | "redis", publishes = false) => ({ name, description: "", min: 0, max: 6, killable: !publishes, transport, ...(publishes ? { publishes } : {}) });
  const order: ScenarioInfo = {
    ...scenario,
    id: "order-placement",
    pattern: "story",
    broker: "nats",
    brokers: ["nats", "rabbitmq", "redis"],
    guarantee: "at-least-once",
    // Workers listed before payment: their lane order must come from the channels, not from here.
    roles: [role("checkout", "nats", true), role("email-worker", "rabbitmq"), role("shipping-worker", "rabbitmq"), role("inventory-worker", "rabbitmq"), role("payment", "nats"), role("subscriber", "redis")],
    channels: [
      { id: "nats:payment.charge", label: "payment.charge", kind: "subject" },
      { id: "rabbitmq:inventory", label: "inventory", kind: "queue" },
      { id: "rabbitmq:emails", label: "emails", kind: "queue" },
      { id: "rabbitmq:shipping", label: "shipping", kind: "queue" },
      { id: "redis:orders", label: "orders", kind: "channel" },
    ],
    links: [
      { from: "role:checkout", to: "nats:payment.charge" },
      { from: "nats:payment.charge", to: "role:payment" },
      ...[["inventory", "inventory-worker"], ["emails", "email-worker"], ["shipping", "shipping-worker"]].flatMap(([queue, worker]) => [
        { from: "role:checkout", to: `rabbitmq:${queue}` },
        { from: `rabbitmq:${queue}`, to: `role:${worker}` },
      ]),
      { from: "role:checkout", to: "redis:orders" },
      { from: "redis:orders", to: "role:subscriber" },
    ],
  };
  const cast = [
    actor("checkout-1", "checkout"),
    actor("email-worker-1", "email-worker"),
    actor("inventory-worker-1", "inventory-worker"),
    actor("payment-1", "payment"),
    actor("payment-2", "payment"),
    actor("shipping-worker-1", "shipping-worker"),
    actor("subscriber-1", "subscriber"),
    actor("subscriber-2", "subscriber"),
  ];
  const topology = layoutTopology(castOf(order, cast, []), order.links, { groupByBroker: true });
  const node = (id: string) => topology.nodes.find((n) => n.id === id)!;
  const inside = (id: string, g: TopologyGroup) => {
    const n = node(id);
    const { w, h } = topology.sizes[n.kind];
    return n.x >= g.x && n.y >= g.y && n.x + w <= g.x + g.width && n.y + h <= g.y + g.height;
  };

  test("one box per broker, each holding exactly its broker's channels", () => {
    expect(topology.groups.map((g) => g.broker)).toEqual(["nats", "rabbitmq", "redis"]);
    for (const channel of order.channels) {
      const broker = channel.id.split(":")[0];
      expect(topology.groups.filter((g) => inside(channel.id, g)).map((g) => g.broker)).toEqual([broker]);
    }
  });

  test("boxes are stacked in the middle column and stand apart", () => {
    const [nats, rabbitmq, redis] = topology.groups;
    expect(new Set(topology.groups.map((g) => g.x)).size).toBe(1);
    expect(nats!.y + nats!.height).toBeLessThan(rabbitmq!.y);
    expect(rabbitmq!.y + rabbitmq!.height).toBeLessThan(redis!.y);
  });

  test("actors stay outside the boxes: the sender left, the receivers right", () => {
    for (const n of topology.nodes.filter((m) => m.kind === "actor")) {
      expect(topology.groups.some((g) => inside(n.id, g))).toBe(false);
    }
    expect(node("checkout-1").x).toBeLessThan(topology.groups[0]!.x);
    expect(node("payment-1").x).toBeGreaterThan(topology.groups[0]!.x + topology.groups[0]!.width);
  });

  test("receivers are stacked in the order of the channels they read, so no edges cross", () => {
    const receivers = topology.nodes.filter((n) => n.kind === "actor" && n.x > 0).sort((a, b) => a.y - b.y);
    expect(receivers.map((n) => n.id)).toEqual(["payment-1", "payment-2", "inventory-worker-1", "email-worker-1", "shipping-worker-1", "subscriber-1", "subscriber-2"]);
    const channelEdges = topology.edges.filter((e) => node(e.source).kind === "channel");
    for (const a of channelEdges) {
      for (const b of channelEdges) {
        const crosses = (node(a.source).y - node(b.source).y) * (node(a.target).y - node(b.target).y) < 0;
        expect(crosses, `${a.id} crosses ${b.id}`).toBe(false);
      }
    }
  });

  test("on stage the many receivers make it compact: one line per node, boxes still apart and holding their channels", () => {
    const stage = layoutTopology(castOf(order, cast, []), order.links, { groupByBroker: true, stage: true });
    expect(stage.compact).toBe(true);
    expect(topology.compact).toBe(false);
    const height = (t: typeof topology) => Math.max(...t.nodes.map((n) => n.y + t.sizes[n.kind].h)) - Math.min(...t.nodes.map((n) => n.y));
    expect(layoutTopology(castOf(scenario, actors, []), undefined, { stage: true }).compact).toBe(false);
    expect(height(stage)).toBeLessThan(height(topology));
    const [nats, rabbitmq, redis] = stage.groups;
    expect(nats!.y + nats!.height).toBeLessThan(rabbitmq!.y);
    expect(rabbitmq!.y + rabbitmq!.height).toBeLessThan(redis!.y);
    for (const g of stage.groups) {
      const held = stage.nodes.filter((n) => n.kind === "channel" && n.broker === g.broker);
      for (const n of held) expect(n.y >= g.y && n.y + stage.sizes.channel.h <= g.y + g.height, n.id).toBe(true);
    }
    // A channel with gauges keeps a second line for them.
    const gauged = layoutTopology(castOf(order, cast, []), order.links, { groupByBroker: true, stage: true, gauged: true });
    expect(gauged.sizes.channel.h).toBeGreaterThan(stage.sizes.channel.h);
  });

  test("edges still follow the links, one broker's channel to its own readers", () => {
    expect(topology.edges.filter((e) => e.source === "rabbitmq:emails").map((e) => e.target)).toEqual(["email-worker-1"]);
    expect(topology.edges.filter((e) => e.source === "checkout-1")).toHaveLength(5);
  });

  test("each channel knows its broker", () => {
    expect(Object.fromEntries(topology.nodes.filter((n) => n.kind === "channel").map((n) => [n.id, n.broker]))).toEqual({
      "nats:payment.charge": "nats",
      "rabbitmq:inventory": "rabbitmq",
      "rabbitmq:emails": "rabbitmq",
      "rabbitmq:shipping": "rabbitmq",
      "redis:orders": "redis",
    });
  });

  test("a scenario on one broker has no boxes", () => {
    expect(layoutTopology(castOf(scenario, actors, []), scenario.links, { groupByBroker: scenario.brokers.length > 1 }).groups).toEqual([]);
    expect(layoutTopology(castOf(scenario, actors, [])).groups).toEqual([]);
  });
});

describe("topology of a pipeline: a service between a call and the brokers", () => {
  const role = (name: string, transport: "grpc" | "kafka" | "rabbitmq", publishes = false) => ({ name, description: "", min: 0, max: 4, killable: !publishes, transport, ...(publishes ? { publishes } : {}) });
  const hybrid: ScenarioInfo = {
    ...scenario,
    id: "hybrid-api",
    pattern: "story",
    broker: "grpc",
    brokers: ["grpc", "kafka", "rabbitmq"],
    guarantee: "at-least-once",
    roles: [role("api-gateway", "grpc", true), role("orders-service", "grpc"), role("email-worker", "rabbitmq"), role("analytics", "kafka")],
    channels: [
      { id: "grpc:OrdersService", label: "OrdersService", kind: "service" },
      { id: "kafka:order-events", label: "order-events", kind: "topic" },
      { id: "rabbitmq:emails", label: "emails", kind: "queue" },
    ],
    links: [
      { from: "role:api-gateway", to: "grpc:OrdersService" },
      { from: "grpc:OrdersService", to: "role:orders-service" },
      { from: "role:orders-service", to: "kafka:order-events" },
      { from: "kafka:order-events", to: "role:analytics" },
      { from: "role:orders-service", to: "rabbitmq:emails" },
      { from: "rabbitmq:emails", to: "role:email-worker" },
    ],
    layout: "pipeline",
  };
  const cast = castOf(hybrid, [actor("api-gateway-1", "api-gateway"), actor("email-worker-1", "email-worker"), actor("orders-service-1", "orders-service"), actor("orders-service-2", "orders-service", false), actor("analytics-1", "analytics")], []);
  const columnOf = (topology: ReturnType<typeof layoutTopology>) => Object.fromEntries(topology.nodes.map((n) => [n.id, n.x / TOPOLOGY_COLUMN_GAP]));

  test("one column per step of the links: caller, service, servers, brokers, readers", () => {
    expect(columnOf(layoutTopology(cast, hybrid.links, { groupByBroker: true, pipeline: true }))).toEqual({
      "api-gateway-1": 0,
      "grpc:OrdersService": 1,
      "orders-service-1": 2,
      "orders-service-2": 2,
      "kafka:order-events": 3,
      "rabbitmq:emails": 3,
      "analytics-1": 4,
      "email-worker-1": 4,
    });
  });

  test("readers follow the channels they read, and each broker has its box", () => {
    const topology = layoutTopology(cast, hybrid.links, { groupByBroker: true, pipeline: true });
    const y = (id: string) => topology.nodes.find((n) => n.id === id)?.y ?? NaN;
    expect(y("analytics-1")).toBeLessThan(y("email-worker-1"));
    expect(topology.groups.map((g) => g.broker)).toEqual(["grpc", "kafka", "rabbitmq"]);
  });

  test("without it, the servers stand with the readers, right of every channel", () => {
    const columns = columnOf(layoutTopology(cast, hybrid.links, { groupByBroker: true }));
    expect(columns["orders-service-1"]).toBe(columns["analytics-1"]);
  });
});

describe("sequence", () => {
  const list = hops(`
    published requester-1>subj m1 t=0
    delivered subj>responder-2 m1 t=0.4
    actor-started responder-10>responder-10 responder t=0.5
    replied responder-2>subj m1 t=20.4
    reply-received subj>requester-1 m1 t=21 rtt=21.001
    timeout requester-1>requester-1 m2@1 t=30
    actor-killed responder-2>responder-2 responder t=40
  `);
  const layout = layoutSequence(castOf(scenario, actors, list), list, hopDeltas(list), { laneWidth: 100, rowHeight: 10, headerHeight: 0 });

  test("one arrow per message hop, rows in order, labelled with latency", () => {
    expect(layout.arrows.map((a) => a.kind)).toEqual(["published", "delivered", "replied", "reply-received", "timeout"]);
    expect(layout.arrows.map((a) => a.y)).toEqual([5, 15, 25, 35, 45]);
    expect(layout.arrows[0]!.latency).toBeNull();
    expect(layout.arrows[1]!.latency).toBe("+0.400 ms");
    expect(layout.arrows[3]!.latency).toBe("rtt 21.001 ms");
    expect(layout.arrows[4]).toMatchObject({ self: true, failed: true });
  });

  test("arrows run between lanes; a kill ends the lifeline with a cross", () => {
    const lane = Object.fromEntries(layout.lanes.map((l) => [l.id, l]));
    expect(layout.arrows[1]).toMatchObject({ x1: lane.subj!.x, x2: lane["responder-2"]!.x });
    expect(lane["responder-2"]!.killedAtY).toBe(55);
    expect(lane["responder-10"]!.killedAtY).toBeNull();
    expect(layout.width).toBe(400);
  });

  test("a rebalance is a note on the member's lifeline, with the partitions it owns after it", () => {
    const withRebalance = [...list, ...hops("rebalanced responder-10>responder-10 responder t=50")];
    const rebalance = withRebalance[withRebalance.length - 1]!;
    if (rebalance.kind === "rebalanced") rebalance.partitions = [0, 2];
    const l = layoutSequence(castOf(scenario, actors, withRebalance), withRebalance, hopDeltas(withRebalance), { laneWidth: 100, rowHeight: 10, headerHeight: 0 });
    const lane = Object.fromEntries(l.lanes.map((x) => [x.id, x]));
    expect(l.notes).toEqual([{ seq: rebalance.seq, kind: "rebalanced", x: lane["responder-10"]!.x, y: 65, text: "rebalanced → p0 p2" }]);
    // A note is not an end: the lifeline goes on.
    expect(lane["responder-10"]!.killedAtY).toBeNull();
  });
});
