/**
 * The broker's view against the actors' reports: which messages both saw published, which only
 * the actors reported (the broker never had them, or the tap cannot see them), and which only
 * the broker saw (something published that no actor reported). Messages are compared by their
 * id, which every scenario puts in the message itself.
 */
import type { MessageHopDraft } from "./protocol";

/** A hop as either side has it: an actor's (stamped by the server) or the tap's (a draft). */
type Seen = Pick<MessageHopDraft, "kind" | "message">;

/** Ids listed per side at most: the counts say the rest. */
export const CROSS_CHECK_SAMPLE = 50;

export interface CrossCheck {
  /** Messages the actors reported published and the broker's tap saw. */
  both: number;
  actorsOnly: { count: number; ids: string[] };
  brokerOnly: { count: number; ids: string[] };
  /** Both saw something, and neither saw anything the other did not. */
  confirmed: boolean;
}

const PUBLISHES = new Set(["published", "retry"]);

/**
 * `reported`: the actors' hops since the tap started, of the destinations it can see; `seen`:
 * the tap's. `alsoReported`: ids the actors reported before that, so a message published just
 * before the tap started, and seen by it just after, is not the broker's alone. A retry is the
 * same message published again: it is one message on each side.
 */
export function crossCheck(reported: readonly Seen[], seen: readonly Seen[], alsoReported: ReadonlySet<string> = new Set()): CrossCheck {
  const reportedIds = new Set(reported.filter((h) => PUBLISHES.has(h.kind)).map((h) => h.message.id));
  const seenIds = new Set(seen.filter((h) => h.kind === "published").map((h) => h.message.id));
  const actorsOnly = [...reportedIds].filter((id) => !seenIds.has(id));
  const brokerOnly = [...seenIds].filter((id) => !reportedIds.has(id) && !alsoReported.has(id));
  const both = reportedIds.size - actorsOnly.length;
  return {
    both,
    actorsOnly: { count: actorsOnly.length, ids: actorsOnly.slice(0, CROSS_CHECK_SAMPLE) },
    brokerOnly: { count: brokerOnly.length, ids: brokerOnly.slice(0, CROSS_CHECK_SAMPLE) },
    confirmed: both > 0 && actorsOnly.length === 0 && brokerOnly.length === 0,
  };
}
