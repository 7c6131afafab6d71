import type { Guarantee, Hop, Ledger, LegLedger, LegRule, MessageHop, MessageHopKind, UnitRule } from "./protocol";

export type { LegRule, UnitRule } from "./protocol";
import { isMessageHop } from "./protocol";
import { Book } from "./book";
import { CallLedger } from "./calls";
import { callFailure, COMPLETION_KINDS, DELIVERY_KINDS, opensMessage, PROCESSED_KINDS, statusAfter, type MessageStatus } from "./hops";

/**
 * Counted per destination and recipient: a fan-out or broadcast copy is not a redelivery, and
 * a reply sent plus the request acked are not the same work done twice.
 */
interface MessageRecord {
  published: boolean;
  delivered: boolean;
  /**
   * The recipients it was delivered to and the work done on it, as keys. Only "seen before?"
   * matters, and most messages have one of each: a short array, made on first use, costs a
   * fraction of a Map, and the ledger keeps tens of thousands of these.
   */
  deliveries: string[] | null;
  processed: string[] | null;
  done: boolean;
  /** What happened before its publication was seen; applied when (if ever) it is. */
  credit: Delta | null;
}

type Counter = "delivered" | "redelivered" | "completed" | "duplicates" | "deadLettered" | "dropped" | "lost" | "outOfOrder" | "missed";
/** The ways a message ends without completing; each keeps count of the reasons its hops gave. */
type Ending = "dropped" | "lost" | "deadLettered";
const REASONS_OF = { dropped: "dropReasons", lost: "lostReasons", deadLettered: "deadLetterReasons" } as const satisfies Record<Ending, keyof Ledger>;
type Reasons = Partial<Record<Ending, Record<string, number>>>;
type Delta = { counts: Partial<Record<Counter, number>>; reasons: Reasons };

function addReason(reasons: Reasons, ending: Ending, reason: string, n = 1): void {
  const byReason = (reasons[ending] ??= {});
  byReason[reason] = (byReason[reason] ?? 0) + n;
}

/** `keys` with `key` added, and whether it was there already. */
function note(keys: string[] | null, key: string): [string[], boolean] {
  if (!keys) return [[key], false];
  return keys.includes(key) ? [keys, true] : [[...keys, key], false];
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
    lostReasons: {},
    deadLetterReasons: {},
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
  /**
   * Every subscriber gets its own copy: each one's work on it is its own (not a duplicate), and
   * copies that subscribers down at the time missed are counted, as the broker's answer says.
   */
  broadcast?: boolean;
  /** Legs of a story that crosses brokers, each counted under its own guarantee. */
  legs?: readonly LegRule[];
  /** Counts business actions (traces) instead of single messages. */
  unit?: UnitRule;
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

/** What one hop did to its message: the verdict, and how it settled the message if it did. */
interface Folded {
  verdict: HopVerdict;
  settled: MessageStatus | null;
}

const UNTOUCHED: Folded = { verdict: PLAIN, settled: null };

interface Leg {
  rule: LegRule;
  tracker: LedgerTracker;
}

/**
 * Folds hops into the delivery ledger. A delivery reported before its publication still counts
 * once the publication shows up, and a message never seen published (left over from an earlier
 * session) never counts. Redeliveries assume a message's first delivery is seen first, which the
 * server's time ordering provides.
 * Messages seen before a reset are ignored afterwards, so a fresh ledger never shows
 * completions of messages it never saw published.
 * With legs, each leg also counts its own messages under its own rules; with a unit, the top
 * line counts business actions (see `UnitRule`) and the message traffic is the legs' sum.
 */
export class LedgerTracker {
  private ledger: Ledger;
  private messages: Book<MessageRecord>;

  private readonly completion: ReadonlySet<MessageHopKind>;
  private readonly guarantee: Guarantee;
  private readonly rules: LedgerRules;
  /** destination|key → the highest running number first-delivered there. */
  private keyHighs = new Map<string, number>();
  private readonly legs: readonly Leg[];
  /** A destination belongs to the first leg that lists it. */
  private readonly legByDestination = new Map<string, Leg>();
  private readonly units: UnitBook | null;
  /** Where the scenario makes calls (gRPC): they are counted instead of messages. */
  private readonly calls: CallLedger | null;
  /** Where the unit reads a read model: its answers, fresh or stale. */
  private queries: { fresh: number; stale: number } | null;

  constructor(rules: LedgerRules | Guarantee, capacity = 50_000) {
    this.rules = typeof rules === "string" ? { guarantee: rules } : rules;
    this.guarantee = this.rules.guarantee;
    this.ledger = this.fresh();
    this.completion = this.rules.completesOn ? new Set(this.rules.completesOn) : COMPLETION_KINDS;
    this.messages = new Book(capacity, () => ({ published: false, delivered: false, deliveries: null, processed: null, done: false, credit: null }));
    this.legs = (this.rules.legs ?? []).map((rule) => ({
      rule,
      tracker: new LedgerTracker({ guarantee: rule.guarantee, ...(rule.completesOn ? { completesOn: rule.completesOn } : {}), ...(rule.exclusiveDelivery ? { exclusiveDelivery: true } : {}) }, capacity),
    }));
    for (const leg of this.legs) {
      for (const destination of leg.rule.destinations) if (!this.legByDestination.has(destination)) this.legByDestination.set(destination, leg);
    }
    this.units = this.rules.unit ? new UnitBook(this.rules.unit, capacity) : null;
    this.calls = this.guarantee === "caller-informed" ? new CallLedger(capacity) : null;
    this.queries = this.rules.unit?.queriesOn ? { fresh: 0, stale: 0 } : null;
  }

  apply(hop: Hop): HopVerdict {
    if (!isMessageHop(hop)) return PLAIN;
    if (this.calls) {
      this.calls.apply(hop);
      return PLAIN;
    }
    // A late hop of an action begun before the reset counts nowhere, in no leg either.
    if (this.units?.retired(hop.message.traceId)) return PLAIN;
    if (this.queries && hop.read && hop.message.destination === this.rules.unit?.queriesOn && hop.kind === "delivered") {
      if (hop.read.version < hop.read.written) this.queries.stale++;
      else this.queries.fresh++;
    }
    const leg = this.legByDestination.get(hop.message.destination);
    const onLeg = leg ? leg.tracker.foldOnLeg(hop) : null;
    if (!this.units) return this.fold(hop).verdict;
    // A story's messages are counted in its legs; declared without legs, the scenario is its one leg.
    if (this.legs.length === 0) {
      const folded = this.fold(hop);
      this.units.apply(hop, { name: null, guarantee: this.guarantee }, folded);
      return folded.verdict;
    }
    this.units.apply(hop, leg ? { name: leg.rule.name, guarantee: leg.rule.guarantee } : null, onLeg);
    return onLeg?.verdict ?? PLAIN;
  }

  /** As a leg of a story counts a hop: a leg of calls by its calls, any other by its messages. */
  private foldOnLeg(hop: MessageHop): Folded {
    if (!this.calls) return this.fold(hop);
    const settled = this.calls.apply(hop);
    return settled ? { verdict: PLAIN, settled } : UNTOUCHED;
  }

  /** Counts one hop against its message. */
  private fold(hop: MessageHop): Folded {
    const id = hop.message.id;
    if (this.messages.retired(id)) return UNTOUCHED;
    const record = this.messages.recall(id);
    const delta: Delta = { counts: {}, reasons: {} };
    const count = (counter: Counter, n = 1) => (delta.counts[counter] = (delta.counts[counter] ?? 0) + n);
    let verdict = PLAIN;
    let settled: MessageStatus | null = null;

    const destination = hop.message.destination;
    if (DELIVERY_KINDS.has(hop.kind)) {
      // A copy for another queue or subscriber is not a redelivery; the broker's flag, a later
      // attempt, a claim, or the same recipient getting it again are.
      const [deliveries, again] = note(record.deliveries, this.rules.exclusiveDelivery ? destination : `${destination}|${hop.to}`);
      record.deliveries = deliveries;
      const flagged = hop.message.redelivered || hop.message.attempt > 1 || hop.kind !== "delivered";
      if (!record.delivered) {
        record.delivered = true;
        count("delivered");
        // The broker says it handed this out before: that first delivery's hop died with the
        // consumer it went to (killed before it could report), and it was a delivery all the same.
        if (hop.kind !== "delivered") count("redelivered");
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
    if (this.rules.broadcast && hop.missed) count("missed", hop.missed);
    if (PROCESSED_KINDS.has(hop.kind)) {
      const [processed, again] = note(record.processed, this.rules.broadcast ? `${hop.kind}:${destination}|${hop.from}` : `${hop.kind}:${destination}`);
      record.processed = processed;
      if (again) count("duplicates");
    }
    const status = statusAfter(hop.kind, this.completion);
    if (status && !record.done) {
      record.done = true;
      settled = status;
      if (status === "completed") count("completed");
      else {
        // Whatever ends a message short of completing says why: the broker gave up after max
        // deliveries, an entry was trimmed away, a consumer died holding it.
        const ending: Ending = status === "dead-lettered" ? "deadLettered" : this.guarantee === "at-least-once" && !hop.forgottenByBroker ? "lost" : "dropped";
        count(ending);
        addReason(delta.reasons, ending, hop.reason ?? "unspecified");
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
    // Counted in full: from now on only a late copy or a duplicate can touch it.
    if (record.done && record.published) this.messages.settle(id);
    return { verdict, settled };
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
    for (const [counter, n] of Object.entries(delta.counts) as [Counter, number][]) this.ledger[counter] = (this.ledger[counter] ?? 0) + n;
    for (const [ending, byReason] of Object.entries(delta.reasons) as [Ending, Record<string, number>][]) {
      const into = this.ledger[REASONS_OF[ending]];
      for (const [reason, n] of Object.entries(byReason)) into[reason] = (into[reason] ?? 0) + n;
    }
  }

  /** Published, and nothing has settled it yet. */
  isOpen(id: string): boolean {
    if (this.calls) return this.calls.isOpen(id);
    const record = this.messages.peek(id);
    return record !== undefined && record.published && !record.done;
  }

  snapshot(): Ledger {
    if (this.calls) return this.calls.snapshot();
    const own = withInFlight(copyReasons(this.ledger));
    const legs: LegLedger[] = this.legs.map((leg) => ({ name: leg.rule.name, guarantee: leg.rule.guarantee, ledger: leg.tracker.snapshot() }));
    const withLegs = legs.length > 0 ? { legs } : {};
    if (!this.units) return { ...own, ...withLegs };
    const traffic = legs.length > 0 ? legs.map((leg) => leg.ledger) : [own];
    const sum = (counter: "delivered" | "redelivered" | "duplicates" | "outOfOrder") => traffic.reduce((total, l) => total + l[counter], 0);
    return withInFlight({
      ...this.units.counts(),
      delivered: sum("delivered"),
      redelivered: sum("redelivered"),
      duplicates: sum("duplicates"),
      outOfOrder: sum("outOfOrder"),
      inFlight: 0,
      unit: this.units.name,
      ...(this.queries ? { queries: { ...this.queries } } : {}),
      ...withLegs,
    });
  }

  private fresh(): Ledger {
    return this.rules.broadcast ? { ...emptyLedger(), missed: 0 } : emptyLedger();
  }

  reset(): void {
    this.ledger = this.fresh();
    this.messages.reset();
    this.keyHighs.clear();
    for (const leg of this.legs) leg.tracker.reset();
    this.units?.reset();
    this.calls?.reset();
    if (this.queries) this.queries = { fresh: 0, stale: 0 };
  }

  /** How many messages (and units) it remembers; each book at most its capacity. */
  get remembered(): number {
    return this.messages.size + this.legs.reduce((total, leg) => total + leg.tracker.remembered, 0) + (this.units?.remembered ?? 0) + (this.calls?.remembered ?? 0);
  }
}

function withInFlight(ledger: Ledger): Ledger {
  const settled = ledger.completed + (ledger.compensated ?? 0) + ledger.dropped + ledger.deadLettered + ledger.lost;
  return { ...ledger, inFlight: Math.max(0, ledger.published - settled) };
}

/** A copy whose reason maps the caller may keep: the tracker goes on counting into its own. */
function copyReasons<L extends Pick<Ledger, "dropReasons" | "lostReasons" | "deadLetterReasons">>(ledger: L): L {
  return { ...ledger, dropReasons: { ...ledger.dropReasons }, lostReasons: { ...ledger.lostReasons }, deadLetterReasons: { ...ledger.deadLetterReasons } };
}

function merge(into: Delta | null, delta: Delta): Delta {
  const out: Delta = into ?? { counts: {}, reasons: {} };
  for (const [counter, n] of Object.entries(delta.counts) as [Counter, number][]) out.counts[counter] = (out.counts[counter] ?? 0) + n;
  for (const [ending, byReason] of Object.entries(delta.reasons) as [Ending, Record<string, number>][]) {
    for (const [reason, n] of Object.entries(byReason)) addReason(out.reasons, ending, reason, n);
  }
  return out;
}

type UnitEnding = { counter: "completed" } | { counter: Ending | "compensated"; reason: string };

interface UnitRecord {
  published: boolean;
  /** The first ending wins; counted once the unit's publication is seen too. */
  ending: UnitEnding | null;
  /**
   * The destinations of `completesWhenAll` where a message of this unit has completed; with
   * `closesOn`, the messages themselves, since one destination may need several (two emails).
   */
  completed: Set<string>;
  /** With `closesOn`: messages published on `completesWhenAll` destinations, not completed yet. */
  pending: Set<string>;
  /** With `closesOn`: its last step has settled, so `pending` holds all it still waits for. */
  closed: boolean;
}

/** The leg a hop's message travels on, as far as units care. Null name: the scenario's one leg. */
interface LegOfHop {
  name: string | null;
  guarantee: Guarantee;
}

/** Counts business actions, one per trace, from what each hop did to its message. */
class UnitBook {
  readonly name: string;
  private units: Book<UnitRecord>;
  private readonly completesWhenAll: ReadonlySet<string>;
  private readonly endsOnDropIn: ReadonlySet<string>;
  private readonly closesOn: string | null;
  /** Destination → the reason a completed message there ends the unit as compensated. */
  private readonly compensatedOn: ReadonlyMap<string, string> | null;
  private totals: UnitCounts;

  constructor(rule: UnitRule, capacity: number) {
    this.name = rule.name;
    this.completesWhenAll = new Set(rule.completesWhenAll);
    this.endsOnDropIn = new Set(rule.endsOnDropIn);
    this.closesOn = rule.closesOn ?? null;
    this.compensatedOn = rule.compensatedOn ? new Map(Object.entries(rule.compensatedOn)) : null;
    this.totals = emptyUnitCounts(this.compensatedOn !== null);
    this.units = new Book(capacity, () => ({ published: false, ending: null, completed: new Set(), pending: new Set(), closed: false }));
  }

  retired(traceId: string): boolean {
    return this.units.retired(traceId);
  }

  apply(hop: MessageHop, leg: LegOfHop | null, folded: Folded | null): void {
    const traceId = hop.message.traceId;
    // A late hop of an action begun before the reset never counts, whichever message it is.
    if (this.units.retired(traceId)) return;
    const unit = this.units.recall(traceId);
    const counted = unit.published && unit.ending !== null;
    unit.ending ??= this.endingAfter(hop, leg, folded, unit);
    // An event on no leg (a driver going off duty) is drawn, not counted as an action.
    if (opensMessage(hop) && !unit.published && leg) {
      unit.published = true;
      this.totals.published++;
    }
    // An ending seen before the publication waits for it, as a message's credit does.
    if (!counted && unit.published && unit.ending) {
      this.count(unit.ending);
      this.units.settle(traceId);
    }
  }

  private endingAfter(hop: MessageHop, leg: LegOfHop | null, folded: Folded | null, unit: UnitRecord): UnitEnding | null {
    if (!leg) return null;
    // A business "no" (declined, timed out) ends the action even after its message completed.
    if (hop.kind === "dropped" && leg.name !== null && this.endsOnDropIn.has(leg.name)) return { counter: "dropped", reason: hop.reason ?? "unspecified" };
    const settled = folded?.settled ?? null;
    // The caller learned that its call failed: the action ends there, as the caller was told.
    const failed = leg.guarantee === "caller-informed" && settled === "dropped" ? callFailure(hop) : null;
    if (failed !== null) return { counter: "dropped", reason: failed };
    if (leg.guarantee === "at-least-once" && settled === "dropped") return { counter: "lost", reason: hop.reason ?? "unspecified" };
    if (leg.guarantee === "at-least-once" && settled === "dead-lettered") return { counter: "deadLettered", reason: hop.reason ?? "unspecified" };
    const destination = hop.message.destination;
    const undone = settled === "completed" ? this.compensatedOn?.get(destination) : undefined;
    if (undone !== undefined) return { counter: "compensated", reason: undone };
    if (this.closesOn !== null) return this.closingEnding(hop, destination, settled, unit);
    if (settled === "completed" && this.completesWhenAll.has(destination)) {
      unit.completed.add(destination);
      if (unit.completed.size === this.completesWhenAll.size) return { counter: "completed" };
    }
    return null;
  }

  /** Complete once the last step has settled and every required message it published completed. */
  private closingEnding(hop: MessageHop, destination: string, settled: MessageStatus | null, unit: UnitRecord): UnitEnding | null {
    if (this.completesWhenAll.has(destination)) {
      if (hop.kind === "published" && !unit.completed.has(hop.message.id)) unit.pending.add(hop.message.id);
      if (settled === "completed") {
        unit.pending.delete(hop.message.id);
        unit.completed.add(hop.message.id);
      }
    }
    if (settled !== null && destination === this.closesOn) unit.closed = true;
    return unit.closed && unit.pending.size === 0 ? { counter: "completed" } : null;
  }

  private count(ending: UnitEnding): void {
    if (ending.counter === "completed") {
      this.totals.completed++;
      return;
    }
    if (ending.counter === "compensated") {
      this.totals.compensated = (this.totals.compensated ?? 0) + 1;
      const reasons = (this.totals.compensatedReasons ??= {});
      reasons[ending.reason] = (reasons[ending.reason] ?? 0) + 1;
      return;
    }
    this.totals[ending.counter]++;
    const reasons = this.totals[REASONS_OF[ending.counter]];
    reasons[ending.reason] = (reasons[ending.reason] ?? 0) + 1;
  }

  counts(): UnitCounts {
    const counts = copyReasons(this.totals);
    return counts.compensatedReasons ? { ...counts, compensatedReasons: { ...counts.compensatedReasons } } : counts;
  }

  reset(): void {
    this.totals = emptyUnitCounts(this.compensatedOn !== null);
    this.units.reset();
  }

  get remembered(): number {
    return this.units.size;
  }
}

type UnitCounts = Pick<Ledger, "published" | "completed" | "compensated" | "compensatedReasons" | "dropped" | "dropReasons" | "lost" | "lostReasons" | "deadLettered" | "deadLetterReasons">;

/** The compensation counts exist only where the unit can be compensated: elsewhere they would always read 0. */
function emptyUnitCounts(compensates: boolean): UnitCounts {
  return { published: 0, completed: 0, ...(compensates ? { compensated: 0, compensatedReasons: {} } : {}), dropped: 0, dropReasons: {}, lost: 0, lostReasons: {}, deadLettered: 0, deadLetterReasons: {} };
}

/** The ledger of a finite list of hops, e.g. a recording or a test's capture. */
export function ledgerOf(hops: readonly Hop[], rules: LedgerRules | Guarantee): Ledger {
  const tracker = new LedgerTracker(rules, Number.MAX_SAFE_INTEGER);
  for (const hop of hops) tracker.apply(hop);
  return tracker.snapshot();
}
