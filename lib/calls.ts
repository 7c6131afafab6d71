import type { CallCounts, Hop, Ledger, MessageHop } from "./protocol";
import { isMessageHop } from "./protocol";
import { Book } from "./book";
import type { MessageStatus } from "./hops";

/**
 * The ledger of a scenario that makes calls (gRPC) rather than handing messages to a broker. A
 * call is counted by how the caller saw it end: the client interceptor's `status` hop, the one
 * thing gRPC promises. The server interceptors' hops say which attempts reached which server;
 * a streamed message is drawn, not counted, as it lives and dies with its call.
 */
interface CallRecord {
  started: boolean;
  reached: boolean;
  /** Attempt numbers past the first that reached a server. */
  retried: number[] | null;
  ended: boolean;
  /** Counted before the call's start was seen; added when (if ever) it is. */
  credit: Partial<Record<"delivered" | "retries", number>>;
}

export function emptyCallCounts(): CallCounts {
  return { started: 0, ok: 0, retriedThenOk: 0, retries: 0, cancelled: 0, failed: {} };
}

export class CallLedger {
  private calls: Book<CallRecord>;
  private counts = emptyCallCounts();
  private delivered = 0;
  private ended = 0;

  constructor(capacity: number) {
    this.calls = new Book(capacity, () => ({ started: false, reached: false, retried: null, ended: false, credit: {} }));
  }

  /** Counts one hop; says how it settled the call, when its caller's status ended it. */
  apply(hop: Hop): MessageStatus | null {
    if (!isMessageHop(hop) || !hop.call) return null;
    const id = hop.message.id;
    if (this.calls.retired(id)) return null;
    if (hop.kind === "call-started") {
      if (hop.call.side === "client") this.start(id);
      else this.attempt(id, hop.message.attempt);
    } else if (hop.kind === "status" && hop.call.side === "client") return this.end(id, hop);
    return null;
  }

  private start(id: string): void {
    const call = this.calls.recall(id);
    if (call.started) return;
    call.started = true;
    this.counts.started++;
    this.delivered += call.credit.delivered ?? 0;
    this.counts.retries += call.credit.retries ?? 0;
    call.credit = {};
  }

  private attempt(id: string, attempt: number): void {
    const call = this.calls.recall(id);
    const add = (counter: "delivered" | "retries") => {
      if (!call.started) call.credit[counter] = (call.credit[counter] ?? 0) + 1;
      else if (counter === "delivered") this.delivered++;
      else this.counts.retries++;
    };
    if (!call.reached) {
      call.reached = true;
      add("delivered");
    }
    if (attempt > 1 && !call.retried?.includes(attempt)) {
      call.retried = [...(call.retried ?? []), attempt];
      add("retries");
    }
  }

  private end(id: string, hop: MessageHop): MessageStatus | null {
    const call = this.calls.peek(id);
    // A call that began before this ledger did (or before its reset) is not ours to count.
    if (!call?.started || call.ended) return null;
    call.ended = true;
    this.ended++;
    const code = hop.call?.status?.code ?? "UNKNOWN";
    if (code === "OK") {
      this.counts.ok++;
      if (hop.message.attempt > 1) this.counts.retriedThenOk++;
    } else if (code === "CANCELLED") this.counts.cancelled++;
    else this.counts.failed[code] = (this.counts.failed[code] ?? 0) + 1;
    this.calls.settle(id);
    return code === "OK" ? "completed" : "dropped";
  }

  /** Started, and its caller has not had its status yet. */
  isOpen(id: string): boolean {
    const call = this.calls.peek(id);
    return call !== undefined && call.started && !call.ended;
  }

  /** In the ledger's own terms: a failed or cancelled call is dropped, by its status code. */
  snapshot(): Ledger {
    const failed = Object.values(this.counts.failed).reduce((sum, n) => sum + n, 0);
    const dropReasons: Record<string, number> = { ...this.counts.failed };
    if (this.counts.cancelled > 0) dropReasons.CANCELLED = this.counts.cancelled;
    return {
      published: this.counts.started,
      delivered: this.delivered,
      // Nothing redelivers a call: a retry is a new attempt the client made, counted in calls.
      redelivered: 0,
      completed: this.counts.ok,
      duplicates: 0,
      deadLettered: 0,
      dropped: failed + this.counts.cancelled,
      dropReasons,
      lost: 0,
      lostReasons: {},
      deadLetterReasons: {},
      inFlight: this.counts.started - this.ended,
      outOfOrder: 0,
      calls: { ...this.counts, failed: { ...this.counts.failed } },
    };
  }

  reset(): void {
    this.counts = emptyCallCounts();
    this.delivered = 0;
    this.ended = 0;
    this.calls.reset();
  }

  get remembered(): number {
    return this.calls.size;
  }
}
