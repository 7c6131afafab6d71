/** Named defaults, with their units in the name. */
export const HEALTH_INTERVAL_MS = 2_000;
export const PROBE_TIMEOUT_MS = 1_500;

/** Hops kept per scenario on the server; older ones fall out. */
export const HOP_BUFFER_SIZE = 20_000;
/** Hops sent in a snapshot to a browser that starts watching. */
export const SNAPSHOT_HOPS = 600;
/** Most hops one `GET /hops` answers with. */
export const HOPS_PAGE_LIMIT = 5_000;

/** How long a hop waits for stragglers from other processes before it is sequenced. */
export const REORDER_WINDOW_MS = 10;
/** About one emit per animation frame per room. */
export const BATCH_INTERVAL_MS = 16;

/**
 * A scenario starts up to a dozen actor processes at once, and each needs about a second of CPU
 * to load (TypeScript through tsx, the broker clients). On a busy 2-core machine that adds up to
 * tens of seconds; only an actor that hangs should reach this.
 */
export const ACTOR_READY_TIMEOUT_MS = 45_000;
export const ACTOR_COMMAND_TIMEOUT_MS = 10_000;
/** Grace given to actors on a stop before they are SIGKILLed. */
export const ACTOR_STOP_GRACE_MS = 1_500;

export const MAX_BODY_BYTES = 64 * 1024;
