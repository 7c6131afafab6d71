import type { Guarantee, Hop, Ledger, MessageHopKind } from "./protocol";
import { isMessageHop } from "./protocol";
import { COMPLETION_KINDS, DELIVERY_KINDS, PROCESSED_KINDS, statusAfter } from "./hops";

/**
 * Counted per destination and recipient: a fan-out or broadcast copy is not a redelivery, and
 * a reply sent plus the request acked are not the same work done twice.
 */
interface MessageRecord {
  published: boolean;
  delivered: boolean;
  deliveries: Map<string, number>;
  processed: Map<string, number>;
  done: boolean;
  /** What happened before its publication was seen; applied when (if ever) it is. */
  credit: Delta | null;
}

type Counter = "delivered" | "redelivered" | "completed" | "duplicates" | "deadLettered" | "dropped" | "lost" | "outOfOrder";
type Delta = { counts: Partial<Record<Counter, number>>; reasons: Record<string, number> };

function bump(counts: Map<string, number>, key: string): number {
  const next = (counts.get(key) ?? 0) + 1;
  counts.set(key, next);
  return next;
}

export function emptyLedger(): Ledger {
  return {
    published: 0,
    delivered: 0,
    redelivered: 0,
    completed: 0,
    duplicates: 0,
    deadLettered: 0,
    dropped: 0,
    dropReasons: {},
    lost: 0,
    inFlight: 0,
    outOfOrder: 0,
  };
}

/** How a scenario's broker hands out messages, which decides what counts as what. */
export interface LedgerRules {
  guarantee: Guarantee;
  /** The hops that complete a message, when not the usual reply-received or acked. */
  completesOn?: readonly MessageHopKind[];
  /**
   * Each destination (a consumer group) hands a message to one consumer: another delivery in
   * it is a redelivery even to another consumer, though the broker does not flag it (Kafka).
   */
  exclusiveDelivery?: boolean;
  /** Check that first deliveries of a key arrive in the producer's order, per destination. */
  keyOrder?: boolean;
}

/** What the ledger made of one hop, beyond its counts. */
export interface HopVerdict {
  /** A delivery the broker did not flag, but the ledger knows it is not the first. */
  redelivery: boolean;
  /** Why the delivery broke its key's order, when it did. */
  outOfOrder: string | null;
}

const PLAIN: HopVerdict = { redelivery: false, outOfOrder: null };
/** Per-key order memory is dropped whole past this many keys; a workshop uses a handful. */
const KEY_ORDER_CAPACITY = 10_000;

/**
 * Folds hops into the delivery ledger. A delivery reported before its publication still counts
 * once the publication shows up, and a message never seen published (left over from an earlier
 * session) never counts. Redeliveries assume a message's first delivery is seen first, which the
 * server's time ordering provides.
 * Messages seen before a reset are ignored afterwards, so a fresh ledger never shows
 * completions of messages it never saw published.
 */
export class LedgerTracker {
  private ledger = emptyLedger();
  // Two generations bound memory in O(1) per hop: when the young one fills up, the old one is
  // forgotten whole. Evicting entry by entry from one Map degrades as deleted slots pile up.
  private young = new Map<string, MessageRecord>();
  private old = new Map<string, MessageRecord>();
  private beforeReset = new Set<string>();

  private readonly completion: ReadonlySet<MessageHopKind>;
  private readonly guarantee: Guarantee;
  private readonly rules: LedgerRules;
  /** destination|key → the highest running number first-delivered there. */
  private keyHighs = new Map<string, number>();

  constructor(
    rules: LedgerRules | Guarantee,
    private readonly capacity = 50_000,
  ) {
    this.rules = typeof rules === "string" ? { guarantee: rules } : rules;
    this.guarantee = this.rules.guarantee;
    this.completion = this.rules.completesOn ? new Set(this.rules.completesOn) : COMPLETION_KINDS;
  }

  apply(hop: Hop): HopVerdict {
    if (!isMessageHop(hop)) return PLAIN;
    const id = hop.message.id;
    if (this.beforeReset.has(id)) return PLAIN;
    const record = this.recall(id);
    const delta: Delta = { counts: {}, reasons: {} };
    const count = (counter: Counter) => (delta.counts[counter] = (delta.counts[counter] ?? 0) + 1);
    let verdict = PLAIN;

    const destination = hop.message.destination;
    if (DELIVERY_KINDS.has(hop.kind)) {
      // A copy for another queue or subscriber is not a redelivery; the broker's flag, a later
      // attempt, a claim, or the same recipient getting it again are.
      const again = bump(record.deliveries, this.rules.exclusiveDelivery ? destination : `${destination}|${hop.to}`) > 1;
      const flagged = hop.message.redelivered || hop.message.attempt > 1 || hop.kind !== "delivered";
      if (!record.delivered) {
        record.delivered = true;
        count("delivered");
      } else if (again || flagged) count("redelivered");
      if (again && !flagged) verdict = { redelivery: true, outOfOrder: null };
      if (!again && !flagged && this.rules.keyOrder) {
        const outOfOrder = this.checkKeyOrder(destination, hop.message.key, hop.message.keySeq);
        if (outOfOrder) {
          count("outOfOrder");
          verdict = { redelivery: false, outOfOrder };
        }
      }
    }
    if (PROCESSED_KINDS.has(hop.kind) && bump(record.processed, `${hop.kind}:${destination}`) > 1) count("duplicates");
    const status = statusAfter(hop.kind, this.completion);
    if (status && !record.done) {
      record.done = true;
      if (status === "completed") count("completed");
      else if (status === "dead-lettered") count("deadLettered");
      else if (this.guarantee === "at-least-once") count("lost");
      else {
        count("dropped");
        const reason = hop.reason ?? "unspecified";
        delta.reasons[reason] = (delta.reasons[reason] ?? 0) + 1;
      }
    }

    if (hop.kind === "published" && !record.published) {
      record.published = true;
      this.ledger.published++;
      if (record.credit) this.add(record.credit);
      record.credit = null;
    }
    // A message never seen published (sent before this session or before a reset) never counts.
    if (record.published) this.add(delta);
    else record.credit = merge(record.credit, delta);
    return verdict;
  }

  /** Within one destination, a key's first deliveries must follow the producer's order. */
  private checkKeyOrder(destination: string, key: string | undefined, keySeq: number | undefined): string | null {
    if (key === undefined || keySeq === undefined) return null;
    const slot = `${destination}|${key}`;
    const high = this.keyHighs.get(slot);
    if (high !== undefined && keySeq < high) return `out of order: key ${key} #${keySeq} after #${high}`;
    if (this.keyHighs.size >= KEY_ORDER_CAPACITY && high === undefined) this.keyHighs.clear();
    this.keyHighs.set(slot, keySeq);
    return null;
  }

  private add(delta: Delta): void {
    for (const [counter, n] of Object.entries(delta.counts) as [Counter, number][]) this.ledger[counter] += n;
    for (const [reason, n] of Object.entries(delta.reasons)) this.ledger.dropReasons[reason] = (this.ledger.dropReasons[reason] ?? 0) + n;
  }

  snapshot(): Ledger {
    const l = this.ledger;
    const settled = l.completed + l.dropped + l.deadLettered + l.lost;
    return { ...l, dropReasons: { ...l.dropReasons }, inFlight: Math.max(0, l.published - settled) };
  }

  reset(): void {
    // Settled messages too: a slow consumer's late reply must not count in the fresh ledger.
    this.beforeReset = new Set([...this.beforeReset, ...this.old.keys(), ...this.young.keys()]);
    if (this.beforeReset.size > this.capacity) this.beforeReset = new Set([...this.old.keys(), ...this.young.keys()]);
    this.ledger = emptyLedger();
    this.young = new Map();
    this.old = new Map();
    this.keyHighs.clear();
  }

  /** How many messages it remembers at most. */
  get remembered(): number {
    return this.young.size + this.old.size;
  }

  private recall(id: string): MessageRecord {
    const young = this.young.get(id);
    if (young) return young;
    const record = this.old.get(id) ?? { published: false, delivered: false, deliveries: new Map(), processed: new Map(), done: false, credit: null };
    this.young.set(id, record);
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    return record;
  }
}

function merge(into: Delta | null, delta: Delta): Delta {
  const out: Delta = into ?? { counts: {}, reasons: {} };
  for (const [counter, n] of Object.entries(delta.counts) as [Counter, number][]) out.counts[counter] = (out.counts[counter] ?? 0) + n;
  for (const [reason, n] of Object.entries(delta.reasons)) out.reasons[reason] = (out.reasons[reason] ?? 0) + n;
  return out;
}

/** The ledger of a finite list of hops, e.g. a recording or a test's capture. */
export function ledgerOf(hops: readonly Hop[], rules: LedgerRules | Guarantee): Ledger {
  const tracker = new LedgerTracker(rules, Number.MAX_SAFE_INTEGER);
  for (const hop of hops) tracker.apply(hop);
  return tracker.snapshot();
}
