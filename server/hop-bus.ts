import { LatencyWindow, roundTripsOf } from "../lib/latency";
import { LedgerTracker, type LedgerRules } from "../lib/ledger";
import { ReorderWindow } from "../lib/ordering";
import { isMessageHop, PROTOCOL_VERSION, type Hop, type HopDraft, type LatencySummary, type Ledger, type MessageHop } from "../lib/protocol";
import { RingBuffer } from "../lib/ring";
import { HOP_BUFFER_SIZE, REORDER_WINDOW_MS, ROUND_TRIP_END_EXTRA_MS } from "./options";

/** One scenario's memory: its recent hops, its ledger and its latency readout. */
export class TraceStore {
  readonly hops: RingBuffer<Hop>;
  private ledger: LedgerTracker;
  private latency = new LatencyWindow();
  /** Seq of the newest hop ever added; survives a reset so browsers can tell batches apart. */
  lastSeq = 0;
  /** Hops added since the last reset. */
  count = 0;

  private readonly timesRoundTrip: (hop: MessageHop) => boolean;

  constructor(rules: LedgerRules, capacity = HOP_BUFFER_SIZE) {
    this.hops = new RingBuffer<Hop>(capacity);
    this.ledger = new LedgerTracker(rules);
    this.timesRoundTrip = roundTripsOf(rules.legs);
  }

  /**
   * Whether a hop has anything to say: a broker's forgetting a message matters only while the
   * message is still open; a settled one (acked just before the broker went) keeps its ending.
   */
  accepts(draft: HopDraft): boolean {
    return !("forgottenByBroker" in draft && draft.forgottenByBroker) || this.ledger.isOpen(draft.message.id);
  }

  add(hop: Hop): void {
    this.hops.push(hop);
    this.lastSeq = hop.seq;
    this.count++;
    const verdict = this.ledger.apply(hop);
    // What the ledger knows and the broker did not say is written on the hop, so every browser
    // (and a recording) draws it the same way.
    if ("message" in hop) {
      if (verdict.redelivery && hop.kind === "delivered") {
        hop.kind = "redelivered";
        hop.message.redelivered = true;
      }
      if (verdict.outOfOrder) hop.reason = verdict.outOfOrder;
    }
    if (isMessageHop(hop) && this.timesRoundTrip(hop) && hop.rttMs !== undefined) this.latency.add(hop.rttMs);
  }

  /** The first `limit` hops after `seq`, oldest first. */
  after(seq: number, limit: number): Hop[] {
    return this.hops.slice((hop) => hop.seq > seq, limit);
  }

  newest(limit: number): Hop[] {
    return this.hops.slice(() => true, limit, "newest");
  }

  ledgerSnapshot(): Ledger {
    return this.ledger.snapshot();
  }

  latencySummary(): LatencySummary {
    return this.latency.summary();
  }

  reset(): void {
    this.count = 0;
    this.hops.clear();
    this.ledger.reset();
    this.latency.reset();
  }
}

export interface SequencedBatch {
  /** The scenario's newest seq before this batch. */
  afterSeq: number;
  hops: Hop[];
}

/**
 * The caller's end of a request (a reply received, a call's status at the client): everything
 * the responder did for it happened before, in another process whose report can come later, and
 * drawing the answer before the work that made it would tell the story backwards.
 */
function endsRoundTrip(draft: HopDraft): boolean {
  if (!("message" in draft)) return false;
  return draft.kind === "reply-received" || (draft.kind === "status" && draft.call?.side === "client");
}

/**
 * Where every hop enters the server: held briefly so hops from different processes come out
 * in time order, stamped with the server's seq, and stored per scenario.
 */
export class HopBus {
  private window = new ReorderWindow<HopDraft>(REORDER_WINDOW_MS, (draft) => (endsRoundTrip(draft) ? ROUND_TRIP_END_EXTRA_MS : 0));
  private seq = 0;
  private stores = new Map<string, TraceStore>();

  register(scenarioId: string, rules: LedgerRules): TraceStore {
    const store = new TraceStore(rules);
    this.stores.set(scenarioId, store);
    return store;
  }

  store(scenarioId: string): TraceStore | undefined {
    return this.stores.get(scenarioId);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Takes ownership of the drafts: they become the stored hops. */
  ingest(drafts: readonly HopDraft[]): void {
    for (const draft of drafts) this.window.add(draft);
  }

  /** Sequences what has waited long enough, and everything of `drainScenarioId`; per scenario. */
  flush(now: number, drainScenarioId?: string): Map<string, SequencedBatch> {
    const ready = this.window.release(now, drainScenarioId === undefined ? undefined : (draft) => draft.scenarioId === drainScenarioId);
    const out = new Map<string, SequencedBatch>();
    for (const draft of ready) {
      const store = this.stores.get(draft.scenarioId);
      if (!store || !store.accepts(draft)) continue;
      let pending = out.get(draft.scenarioId);
      if (!pending) out.set(draft.scenarioId, (pending = { afterSeq: store.lastSeq, hops: [] }));
      // Drafts handed to the bus are its own (fresh from validation): stamping in place saves a
      // copy per hop, which is most of the sequencing cost at tens of thousands of hops/s.
      const hop = draft as Hop;
      hop.v = PROTOCOL_VERSION;
      hop.seq = ++this.seq;
      store.add(hop);
      pending.hops.push(hop);
    }
    return out;
  }
}
