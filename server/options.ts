import type { RateLimit } from "./rate-limit";

/** Named defaults, with their units in the name. */
/** Often enough that a broker going away shows within 2 s, even one that stops answering rather than refusing. */
export const HEALTH_INTERVAL_MS = 1_000;
export const PROBE_TIMEOUT_MS = 900;

/** Hops kept per scenario on the server; older ones fall out. */
export const HOP_BUFFER_SIZE = 20_000;
/** Hops sent in a snapshot to a browser that starts watching. */
export const SNAPSHOT_HOPS = 600;
/** Most hops one `GET /hops` answers with. */
export const HOPS_PAGE_LIMIT = 5_000;

/** How long a hop waits for stragglers from other processes before it is sequenced. */
export const REORDER_WINDOW_MS = 10;
/**
 * How long an actor holds its hops before sending them, well inside the reorder window. Sent at
 * once, they woke the server in the middle of the round trip the ledger was timing (`npm run
 * bench -- --only fidelity`: gRPC's shown/bare p50 1.70 at once, 1.26 held).
 */
export const HOP_REPORT_DELAY_MS = 3;
/** How much longer the caller's end of a round trip waits for the far side's hops. */
export const ROUND_TRIP_END_EXTRA_MS = 40;
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

/** Largest request body the API reads: a command is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * A refused body is still read to its end, within these bounds, before the 413 goes out: a
 * connection closed with unread data is reset by the kernel, and the client (a browser's fetch)
 * then sees the reset instead of our answer. Past them the connection is closed regardless.
 */
export const REFUSED_BODY_DRAIN_BYTES = 16 * 1024 * 1024;
export const REFUSED_BODY_DRAIN_MS = 10_000;

/**
 * Per Socket.IO connection, so one flooding browser cannot starve the engine for everyone. A
 * presenter clicking as fast as they can manages a handful of commands a second; the client
 * watches again only on a scenario switch or a gap. Start and stop count as commands.
 */
export const SOCKET_RATE_LIMITS = {
  command: { burst: 30, perSecond: 10 },
  watch: { burst: 20, perSecond: 5 },
  /** Following messages with the keyboard moves the focus at key-repeat speed. */
  focus: { burst: 60, perSecond: 30 },
} as const satisfies Record<string, RateLimit>;
/** A flooding client is logged at most this often, with how much was refused meanwhile. */
export const RATE_LIMIT_LOG_INTERVAL_MS = 10_000;

/**
 * A stop that takes longer than this (a broker that hangs on close, a browser holding a socket)
 * ends the process anyway: long enough for actors' SIGTERM grace and their last hops.
 */
export const SHUTDOWN_DEADLINE_MS = 5_000;
/**
 * One Ctrl-C can arrive twice: the terminal signals the whole process group and a launcher in
 * it (`tsx watch`, npm) forwards the same signal. A repeat this soon is that echo, not a person
 * pressing again; a second press, later, exits at once.
 */
export const SIGNAL_ECHO_WINDOW_MS = 500;
/** How long an actor whose server is gone may spend closing its broker connections. */
export const ORPHAN_EXIT_MS = 2_000;

/** How long a comparison's kill may wait for every side's victim to hold work it has reported. */
export const KILL_WAIT_FOR_WORK_MS = 500;
/** A peek at a broker's contents gives up after this long: the presenter is waiting on it. */
export const PEEK_TIMEOUT_MS = 5_000;
