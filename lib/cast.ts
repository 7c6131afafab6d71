import type { ActorState, Hop, ScenarioInfo, TransportId } from "./protocol";
import { TRANSPORTS, isMessageHop } from "./protocol";

export interface CastMember {
  id: string;
  label: string;
  /** The actor's role, or for a broker-side entity its kind ("subject", "queue", ...). */
  role: string;
  kind: "actor" | "channel";
  alive: boolean;
  /** Left of the broker (senders), the broker, right of it (receivers), or past them (sinks). */
  side: Side;
  connections?: string[];
  /** For a broker-side entity: the broker it lives on. */
  broker?: TransportId;
  /** Put in the picture by Hopscope because nothing reported it (a publisher the broker cannot name). */
  inferred?: boolean;
}

export const SIDES = ["left", "middle", "queues", "right", "sink"] as const;
export type Side = (typeof SIDES)[number];

/**
 * Everyone who appears in the picture: live actors, broker entities, and actors that only
 * survive in the hops (killed ones keep their lifeline so the audience sees the cross).
 */
export function castOf(scenario: ScenarioInfo, actors: readonly ActorState[], hops: readonly Hop[]): CastMember[] {
  // Recordings made before roles said who publishes had the publisher first.
  const senderRole = (scenario.roles.find((r) => r.publishes) ?? scenario.roles[0])?.name;
  const byId = new Map<string, CastMember>();
  const addActor = (id: string, role: string, alive: boolean) => {
    const existing = byId.get(id);
    if (existing) {
      existing.alive = existing.alive || alive;
      return;
    }
    byId.set(id, { id, label: id, role, kind: "actor", alive, side: role === senderRole ? "left" : "right" });
  };
  for (const channel of scenario.channels) {
    byId.set(channel.id, { id: channel.id, label: channel.label, role: channel.kind, kind: "channel", alive: true, side: channel.column ?? "middle", broker: channelBroker(channel.id, scenario.broker) });
  }
  for (const actor of actors) {
    addActor(actor.id, actor.role, actor.alive);
    const member = byId.get(actor.id);
    if (member && actor.connections) member.connections = actor.connections;
  }
  for (const hop of hops) {
    if (!isMessageHop(hop)) addActor(hop.actor.id, hop.actor.role, false);
  }
  const channelOrder = new Map(scenario.channels.map((c, i) => [c.id, i]));
  const rank = (m: CastMember) => SIDES.indexOf(m.side);
  // Channels keep the scenario's order (main queue before its retry queue); actors sort by number.
  return [...byId.values()].sort((a, b) => rank(a) - rank(b) || (channelOrder.get(a.id) ?? 0) - (channelOrder.get(b.id) ?? 0) || compareIds(a.id, b.id));
}

/** Channel ids are "<transport>:<name>"; one without a known prefix is on the scenario's first transport. */
export function channelBroker(channelId: string, fallback: TransportId): TransportId {
  const prefix = channelId.slice(0, channelId.indexOf(":"));
  return (TRANSPORTS as readonly string[]).includes(prefix) ? (prefix as TransportId) : fallback;
}

/** "responder-10" after "responder-9". */
export function compareIds(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
