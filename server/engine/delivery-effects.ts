import { DELIVERY_KINDS } from "../../lib/hops";
import { isMessageHop, type BrokerId, type Hop, type HopDraft, type MessageHop, type MessageHopDraft } from "../../lib/protocol";
import type { TraceStore } from "../hop-bus";
import type { KillEffect } from "../scenarios/model";
import type { Actor } from "./actor";

/** Hops by which a consumer gives a delivery back to the broker, one way or another. */
const SETTLED_BY_CONSUMER: ReadonlySet<string> = new Set(["acked", "processed", "nacked", "dead-lettered"]);
/** Lets the last IPC messages of a killed actor arrive before its unacked messages are listed. */
export const REQUEUE_SETTLE_MS = 50;
/** The broker acts because the connection died: just after the kill (or exit) on the timeline. */
const BROKER_REACTION_MS = 0.001;

/** What a dead consumer had been handed and not settled, as the hops tell it. */
export function unsettledBy(hops: Iterable<Hop>, actorId: string): MessageHop[] {
  // Keyed by message and queue: one message can reach a consumer from several queues.
  const held = new Map<string, MessageHop>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    if (hop.to === actorId && DELIVERY_KINDS.has(hop.kind)) held.set(`${hop.message.id}|${hop.from}`, hop);
    else if (hop.from === actorId && SETTLED_BY_CONSUMER.has(hop.kind)) {
      // Settled on its own lane (core NATS has no ack to send): whichever delivery it held.
      const source = hop.to === actorId ? [...held.values()].find((d) => d.message.id === hop.message.id)?.from : hop.to;
      held.delete(`${hop.message.id}|${source}`);
    }
  }
  return [...held.values()];
}

/** The broker takes back what a dead consumer had not acked: say which messages those were. */
export function requeuedHops(unsettled: readonly MessageHop[], actorId: string, at: number): MessageHopDraft[] {
  return unsettled.map((delivery) => ({
    kind: "requeued" as const,
    scenarioId: delivery.scenarioId,
    broker: delivery.broker,
    from: actorId,
    to: delivery.from,
    at,
    message: delivery.message,
    reason: "unacked when its consumer died",
  }));
}

/** The broker forgets what a dead consumer held unfinished: at-most-once, said out loud. */
export function droppedHops(unsettled: readonly MessageHop[], actorId: string, at: number, reason: string): MessageHopDraft[] {
  return unsettled.map((delivery) => ({
    kind: "dropped" as const,
    scenarioId: delivery.scenarioId,
    broker: delivery.broker,
    from: actorId,
    to: actorId,
    at,
    message: delivery.message,
    reason,
  }));
}

/**
 * A broadcast answered while audience members are down: they missed it, as at-most-once allows.
 * Only a `confirmed` hop on the audience's own broker is a broadcast (a story's other confirms,
 * such as RabbitMQ's for its jobs, are not); `down` is asked only for those.
 */
export function noteMissed(hop: HopDraft, audience: Audience, down: () => number): HopDraft {
  // Whether or not the broker counts receivers (Redis does, NATS does not), a copy is missed.
  if (hop.kind !== "confirmed" || hop.broker !== audience.transport) return hop;
  const role = audience.role;
  const n = down();
  if (n === 0) return hop;
  return { ...hop, reason: `missed by ${n} ${role}${n === 1 ? "" : "s"} that ${n === 1 ? "is" : "are"} down (at-most-once, expected)` };
}

function dropReasonOf(effect: KillEffect | undefined): string | undefined {
  return effect && "drop" in effect ? effect.drop : undefined;
}

/** The role whose members each get a copy of a broadcast, and the broker they hear it on. */
export interface Audience {
  role: string;
  transport: BrokerId;
}

export interface DeliveryEffectsDeps {
  kills: ReadonlyMap<string, KillEffect>;
  /** The broadcast's audience, if the scenario has one. */
  audience?: Audience;
  store: TraceStore;
  /** Sequences everything the scenario has waiting, so the store is complete. */
  drain: () => void;
  ingest: (hops: HopDraft[]) => void;
  /** Members of `role` that are down and not replaced by the supervisor. */
  downIn: (role: string) => number;
}

/** What the broker does with a dead consumer's messages, told as hops since the broker won't. */
export class DeliveryEffects {
  constructor(private readonly deps: DeliveryEffectsDeps) {}

  /** After a presenter's SIGKILL: requeued or dropped, per the role's kill effect. */
  afterKill(actor: Actor, killedAt: number): void {
    const effect = this.deps.kills.get(actor.spec.role);
    if (!effect) return;
    const reason = dropReasonOf(effect);
    const at = killedAt + BROKER_REACTION_MS;
    const report = () => (reason ? this.reportDropped(actor.spec.id, at, reason) : this.reportRequeued(actor.spec.id, at));
    void actor.exited().then(() => setTimeout(report, REQUEUE_SETTLE_MS));
  }

  /** Died on its own with messages in hand: at-most-once loses them just as with a kill. */
  afterDeath(actor: Actor, exitedAt: number): void {
    const reason = dropReasonOf(this.deps.kills.get(actor.spec.role));
    if (!reason) return;
    setTimeout(() => this.reportDropped(actor.spec.id, exitedAt + BROKER_REACTION_MS, reason), REQUEUE_SETTLE_MS);
  }

  /** An actor's hops on their way in, with the broadcasts its audience missed noted. */
  noteMissed(hops: HopDraft[]): HopDraft[] {
    const audience = this.deps.audience;
    if (!audience) return hops;
    return hops.map((hop) => noteMissed(hop, audience, () => this.deps.downIn(audience.role)));
  }

  private unsettledBy(actorId: string): MessageHop[] {
    this.deps.drain();
    return unsettledBy(this.deps.store.hops.toArray(), actorId);
  }

  private reportDropped(actorId: string, at: number, reason: string): void {
    this.deps.ingest(droppedHops(this.unsettledBy(actorId), actorId, at, reason));
  }

  private reportRequeued(actorId: string, at: number): void {
    this.deps.ingest(requeuedHops(this.unsettledBy(actorId), actorId, at));
  }
}
