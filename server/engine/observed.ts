/**
 * Traffic of applications outside Hopscope's scenarios, as their OpenTelemetry spans and the
 * broker taps describe it. It is kept like a scenario's hops, under its own id.
 */
import type { LedgerRules } from "../../lib/ledger";

export { OBSERVED_ID } from "../../lib/observed";

/** Nobody promised anything about an application's messages: a message ends once it is processed or acked. */
export const OBSERVED_RULES: LedgerRules = { guarantee: "at-least-once", completesOn: ["processed", "acked"] };
