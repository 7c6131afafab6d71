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

type Counter = "delivered" | "redelivered" | "completed" | "duplicates" | "deadLettered" | "dropped" | "lost";
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
  };
}

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

  constructor(
    private readonly guarantee: Guarantee,
    private readonly capacity = 50_000,
    completesOn?: readonly MessageHopKind[],
  ) {
    this.completion = completesOn ? new Set(completesOn) : COMPLETION_KINDS;
  }

  apply(hop: Hop): void {
    if (!isMessageHop(hop)) return;
    const id = hop.message.id;
    if (this.beforeReset.has(id)) return;
    const record = this.recall(id);
    const delta: Delta = { counts: {}, reasons: {} };
    const count = (counter: Counter) => (delta.counts[counter] = (delta.counts[counter] ?? 0) + 1);

    const destination = hop.message.destination;
    if (DELIVERY_KINDS.has(hop.kind)) {
      // A copy for another queue or subscriber is not a redelivery; the broker's flag, a later
      // attempt, a claim, or the same recipient getting it again are.
      const again = bump(record.deliveries, `${destination}|${hop.to}`) > 1;
      const flagged = hop.message.redelivered || hop.message.attempt > 1 || hop.kind !== "delivered";
      if (!record.delivered) {
        record.delivered = true;
        count("delivered");
      } else if (again || flagged) count("redelivered");
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
export function ledgerOf(hops: readonly Hop[], guarantee: Guarantee, completesOn?: readonly MessageHopKind[]): Ledger {
  const tracker = new LedgerTracker(guarantee, Number.MAX_SAFE_INTEGER, completesOn);
  for (const hop of hops) tracker.apply(hop);
  return tracker.snapshot();
}
