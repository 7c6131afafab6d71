import { wallClockMs } from "../../lib/clock";
import { DELIVERY_KINDS, unsettledBy } from "../../lib/hops";

export { unsettledBy };
import { isMessageHop, type TransportId, type Hop, type HopDraft, type MessageHop, type MessageHopDraft, type MessageHopKind } from "../../lib/protocol";
import type { TraceStore } from "../hop-bus";
import type { Fate, KillEffect } from "../scenarios/model";
import type { Actor } from "./actor";

/** Lets the last IPC messages of a killed actor arrive before its unacked messages are listed. */
export const REQUEUE_SETTLE_MS = 50;
/** The broker acts because the connection died: just after the kill (or exit) on the timeline. */
const BROKER_REACTION_MS = 0.001;

/**
 * The attempts a dead server had started and not ended: its interceptor reported the call's
 * start and no status either way (its answer, or the client's cancel coming in).
 */
export function openCallsOf(hops: Iterable<Hop>, actorId: string): MessageHop[] {
  const open = new Map<string, MessageHop>();
  for (const hop of hops) {
    if (!isMessageHop(hop) || hop.call?.side !== "server") continue;
    const key = `${hop.message.id}|${hop.message.attempt}`;
    if (hop.kind === "call-started" && hop.to === actorId) open.set(key, hop);
    else if (hop.kind === "status" && (hop.from === actorId || hop.to === actorId)) open.delete(key);
  }
  return [...open.values()];
}

/** What the caller's side of each open attempt of a dead server gets: its connection is gone. */
export function failedCallHops(open: readonly MessageHop[], actorId: string, at: number, status: { code: string; details: string }): MessageHopDraft[] {
  return open.map((started) => ({
    kind: "status" as const,
    scenarioId: started.scenarioId,
    broker: started.broker,
    from: actorId,
    to: started.from,
    at,
    message: { ...started.message, preview: status.details.slice(0, 160) },
    call: { side: "server" as const, method: started.call?.method ?? started.message.destination, status },
  }));
}

/** Hops after which nothing more happens to a message on its destination. */
const FINAL_KINDS: ReadonlySet<MessageHopKind> = new Set(["acked", "processed", "dead-lettered", "dropped", "reply-received"]);

/**
 * What a dead consumer held that nobody has touched since: on each message's destination, the
 * last hop is its own delivery of it (or its own step short of settling it, such as a nak).
 * A later delivery elsewhere, or any settlement, means the broker and the hops have moved on.
 */
export function orphanedBy(hops: Iterable<Hop>, actorId: string): MessageHop[] {
  const last = new Map<string, MessageHop>();
  const deliveredTo = new Map<string, MessageHop>();
  for (const hop of hops) {
    if (!isMessageHop(hop)) continue;
    const key = `${hop.message.id}|${hop.message.destination}`;
    last.set(key, hop);
    if (hop.to === actorId && DELIVERY_KINDS.has(hop.kind)) deliveredTo.set(key, hop);
  }
  const orphans: MessageHop[] = [];
  for (const [key, delivery] of deliveredTo) {
    const latest = last.get(key);
    if (latest && (latest.to === actorId || latest.from === actorId) && !FINAL_KINDS.has(latest.kind)) orphans.push(delivery);
  }
  return orphans;
}

/**
 * The hop that says what the broker did with an orphaned message. An ack is the dead consumer's
 * own, sent just before it died; giving up is the broker's, seen now.
 */
export function fateHop(delivery: MessageHop, fate: Exclude<Fate, { status: "held" }>, actorId: string, diedAt: number, now: number): MessageHopDraft {
  const base = { scenarioId: delivery.scenarioId, broker: delivery.broker, message: delivery.message, reason: fate.reason.slice(0, 200) };
  switch (fate.status) {
    case "acked":
      return { ...base, kind: "acked", from: actorId, to: delivery.from, at: diedAt - BROKER_REACTION_MS };
    case "dead-lettered":
      return { ...base, kind: "dead-lettered", from: delivery.from, to: fate.to, at: now };
    case "gone":
      return { ...base, kind: "dropped", from: delivery.from, to: actorId, at: now };
  }
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
export function noteMissed(hop: HopDraft, audience: Audience, down: (role: string) => number): HopDraft {
  // Whether or not the broker counts receivers (Redis does, NATS does not), a copy is missed.
  if (hop.kind !== "confirmed" || hop.broker !== audience.transport) return hop;
  if (audience.destination !== undefined && hop.message.destination !== audience.destination) return hop;
  const missedBy = audience.roles.map((role) => ({ role, n: down(role) })).filter(({ n }) => n > 0);
  const total = missedBy.reduce((sum, { n }) => sum + n, 0);
  if (total === 0) return hop;
  const who = missedBy.map(({ role, n }) => `${n} ${role}${n === 1 ? "" : "s"}`).join(" and ");
  return { ...hop, missed: total, reason: `missed by ${who} that ${total === 1 ? "is" : "are"} down (at-most-once, expected)` };
}

function dropReasonOf(effect: KillEffect | undefined): string | undefined {
  return effect && "drop" in effect ? effect.drop : undefined;
}

function callFailureOf(effect: KillEffect | undefined): { code: string; details: string } | undefined {
  return effect && "failCalls" in effect ? effect.failCalls : undefined;
}

/** The roles whose members each get a copy of a broadcast, and the broker they hear it on. */
export interface Audience {
  roles: readonly string[];
  transport: TransportId;
  /** Where it hears broadcasts, when the scenario broadcasts on other channels too. */
  destination?: string;
}

/** The broker, asked about single messages; the engine binds the scenario's current settings. */
export interface FateCheck {
  check(deliveries: readonly MessageHop[]): Promise<Fate[]>;
  recheckMs(): number;
}

const HELD: Fate = { status: "held" };

export interface DeliveryEffectsDeps {
  kills: ReadonlyMap<string, KillEffect>;
  /** Where the scenario's broker can say what became of one message. */
  fates?: FateCheck;
  /** A stopped scenario asks its broker nothing more. */
  running: () => boolean;
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
    if (this.deps.fates) void actor.exited().then(() => this.auditAfterSettle(actor.spec.id, killedAt));
    const effect = this.deps.kills.get(actor.spec.role);
    if (!effect) return;
    const reason = dropReasonOf(effect);
    const failure = callFailureOf(effect);
    const at = killedAt + BROKER_REACTION_MS;
    const report = () => (failure ? this.reportFailedCalls(actor.spec.id, at, failure) : reason ? this.reportDropped(actor.spec.id, at, reason) : this.reportRequeued(actor.spec.id, at));
    void actor.exited().then(() => setTimeout(report, REQUEUE_SETTLE_MS));
  }

  /** Died on its own with messages in hand: at-most-once loses them just as with a kill. */
  afterDeath(actor: Actor, exitedAt: number): void {
    if (this.deps.fates) this.auditAfterSettle(actor.spec.id, exitedAt);
    const effect = this.deps.kills.get(actor.spec.role);
    const failure = callFailureOf(effect);
    if (failure) setTimeout(() => this.reportFailedCalls(actor.spec.id, exitedAt + BROKER_REACTION_MS, failure), REQUEUE_SETTLE_MS);
    const reason = dropReasonOf(effect);
    if (!reason) return;
    setTimeout(() => this.reportDropped(actor.spec.id, exitedAt + BROKER_REACTION_MS, reason), REQUEUE_SETTLE_MS);
  }

  /** An actor's hops on their way in, with the broadcasts its audience missed noted. */
  noteMissed(hops: HopDraft[]): HopDraft[] {
    const audience = this.deps.audience;
    if (!audience) return hops;
    return hops.map((hop) => noteMissed(hop, audience, (role) => this.deps.downIn(role)));
  }

  private auditAfterSettle(actorId: string, diedAt: number): void {
    setTimeout(() => void this.audit(actorId, diedAt), REQUEUE_SETTLE_MS).unref();
  }

  /**
   * Asks the broker about what a dead consumer held and nobody has touched since, and says
   * what it answers. What it still holds is asked about again after the redelivery bound, until
   * another delivery, an ack or the broker's giving up settles it.
   */
  private async audit(actorId: string, diedAt: number): Promise<void> {
    const fates = this.deps.fates;
    if (!fates || !this.deps.running()) return;
    const orphans = this.orphanedBy(actorId);
    if (orphans.length === 0) return;
    const answers = await fates.check(orphans).catch(() => orphans.map(() => HELD));
    // Hops that were on their way while the broker answered (a redelivery, the consumer's own
    // late ack) know better than the answer: only what is still untouched is settled by it.
    await new Promise((resolve) => setTimeout(resolve, REQUEUE_SETTLE_MS).unref());
    if (!this.deps.running()) return;
    const untouched = new Set(this.orphanedBy(actorId).map((hop) => hop.seq));
    const settled: MessageHopDraft[] = [];
    let held = false;
    const now = wallClockMs();
    orphans.forEach((delivery, i) => {
      if (!untouched.has(delivery.seq)) return;
      const fate = answers[i] ?? HELD;
      if (fate.status === "held") held = true;
      else settled.push(fateHop(delivery, fate, actorId, diedAt, now));
    });
    if (settled.length > 0) this.deps.ingest(settled);
    if (held) setTimeout(() => void this.audit(actorId, diedAt), fates.recheckMs()).unref();
  }

  private orphanedBy(actorId: string): MessageHop[] {
    this.deps.drain();
    return orphanedBy(this.deps.store.hops.toArray(), actorId);
  }

  private unsettledBy(actorId: string): MessageHop[] {
    this.deps.drain();
    return unsettledBy(this.deps.store.hops.toArray(), actorId);
  }

  private reportDropped(actorId: string, at: number, reason: string): void {
    this.deps.ingest(droppedHops(this.unsettledBy(actorId), actorId, at, reason));
  }

  private reportFailedCalls(actorId: string, at: number, status: { code: string; details: string }): void {
    this.deps.drain();
    this.deps.ingest(failedCallHops(openCallsOf(this.deps.store.hops.toArray(), actorId), actorId, at, status));
  }

  private reportRequeued(actorId: string, at: number): void {
    this.deps.ingest(requeuedHops(this.unsettledBy(actorId), actorId, at));
  }
}
