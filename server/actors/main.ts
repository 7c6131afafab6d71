/**
 * Entry point of every actor process. An actor is its own OS process with its own broker
 * connection, so a SIGKILL looks to the broker exactly as it would in production.
 */
import type { HopDraft } from "../../lib/protocol";
import { namespace } from "../brokers/namespace";
import { actorLogger, log as processLog, type Logger } from "../log";
import { HOP_REPORT_DELAY_MS, ORPHAN_EXIT_MS } from "../options";
import { parentMessageSchema, readActorSpec, type ChildMessage, type HopTally } from "./ipc";
import { now, type ActorContext } from "./runtime";
import { programFor } from "./programs";

/** How long a leaving actor waits at most for its last hops to reach the server. */
const LEAVE_FLUSH_MS = 500;

/** Names the actor on every line once its spec is read; before that, only the process. */
let logger: Logger = processLog;

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message);
}

async function run(): Promise<void> {
  const spec = readActorSpec();
  logger = actorLogger(processLog, spec);
  const entry = programFor(spec.scenarioId, spec.role);
  const broker = entry.transport;

  let pending: HopDraft[] = [];
  /** While hop reporting is "count", what would have been sent. */
  let tally: HopTally | null = null;
  const counted = (kind: string, at: number) => {
    if (!tally) return false;
    tally.counts[kind] = (tally.counts[kind] ?? 0) + 1;
    tally.lastAt = Math.max(tally.lastAt, at);
    return true;
  };
  let connections: string[] | undefined;
  let connectedNow = true;
  let leaving = false;
  const leaveHandlers: (() => void)[] = [];
  /** The write that every `ctx.flush()` of this turn of the event loop waits for. */
  let handingOver: Promise<void> | null = null;
  const flush = () => {
    // Already handed over by `ctx.flush()` since this was scheduled.
    if (pending.length === 0) return;
    const hops = pending;
    pending = [];
    send({ t: "hops", hops });
  };
  const ctx: ActorContext = {
    spec,
    broker,
    names: namespace(spec.namespace),
    urlOf(transport) {
      const url = transport === broker ? spec.brokerUrl : spec.otherUrls[transport];
      if (url === undefined) throw new Error(`the ${spec.role} role does not declare ${transport}`);
      return url;
    },
    settings: { ...spec.settings },
    natsTraceTo: spec.natsTraceTo,
    emit(hop) {
      if (counted(hop.kind, hop.at ?? now())) return;
      // Batched: one IPC message carries every hop of a burst, and it leaves a few ms later, so
      // the write and the server's waking fall after the round trip being timed, not inside it.
      if (pending.length === 0) setTimeout(flush, HOP_REPORT_DELAY_MS);
      pending.push({ ...hop, at: hop.at ?? now(), scenarioId: spec.scenarioId, broker: hop.broker ?? broker });
    },
    flush() {
      // Counting, there is nothing to hand over: an empty message would still cost a write.
      if (tally && pending.length === 0) return Promise.resolve();
      // One write for every flush asked for in this turn of the event loop: a worker settling
      // the several messages one socket read handed it pays for one IPC message, not one each.
      handingOver ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          handingOver = null;
          const hops = pending;
          pending = [];
          // Sent even when empty: IPC messages leave in order, so this one's callback vouches for
          // every batch before it too. Once written, a batch reaches the server even if a SIGKILL
          // follows at once: the socket keeps what was written to it.
          if (!process.connected || !process.send) return resolve();
          process.send({ t: "hops", hops } satisfies ChildMessage, undefined, {}, () => resolve());
        }),
      );
      return handingOver;
    },
    note(kind, detail) {
      if (counted(kind, now())) return;
      if (pending.length === 0) setTimeout(flush, HOP_REPORT_DELAY_MS);
      pending.push({ kind, from: spec.id, to: spec.id, at: now(), scenarioId: spec.scenarioId, broker, actor: { id: spec.id, role: spec.role, pid: process.pid }, ...detail });
    },
    setConnected(connected) {
      connectedNow = connected;
      send({ t: "status", connected, connections });
    },
    setConnections(names) {
      connections = names;
      send({ t: "status", connected: connectedNow, connections });
    },
    // What a role says is out of the ordinary (a lost connection, a retry): worth a warning.
    log(message) {
      logger.warn(message);
    },
    onLeave(handler) {
      leaveHandlers.push(handler);
    },
    leave(why) {
      if (leaving) return;
      leaving = true;
      ctx.log(`exiting so a fresh actor replaces me: ${why}`);
      for (const handler of leaveHandlers) {
        try {
          handler();
        } catch (error) {
          ctx.log(`while leaving: ${String(error)}`);
        }
      }
      // What this actor reported just before, and what its handlers said, must reach the server:
      // exit once the IPC channel has taken it, or soon regardless.
      const hops = pending;
      pending = [];
      const exit = () => process.exit(1);
      setTimeout(exit, LEAVE_FLUSH_MS);
      if (process.connected && process.send) process.send({ t: "hops", hops } satisfies ChildMessage, undefined, {}, exit);
      else exit();
    },
  };

  /** Starts a new tally (or none, back to sending), and gives the one that ends. */
  const switchReporting = (mode: "on" | "count"): HopTally => {
    const ended = tally ?? { counts: {}, lastAt: 0 };
    tally = mode === "count" ? { counts: {}, lastAt: 0 } : null;
    return ended;
  };

  // The server going away must not leave orphans connected to the broker, even while this
  // actor is still starting (waiting for a broker that is away).
  let behaviour: Awaited<ReturnType<typeof entry.program>> | null = null;
  const leaveOrphaned = () => {
    // A broker that is unreachable can stall a graceful close; the server is gone either way.
    setTimeout(() => process.exit(0), ORPHAN_EXIT_MS).unref();
    void (behaviour?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on("disconnect", leaveOrphaned);
  // A server SIGKILLed while this process was still loading its modules closed the channel
  // before anyone listened: that "disconnect" is gone, but the channel says so.
  if (!process.connected) leaveOrphaned();
  behaviour = await entry.program(ctx);
  const running = behaviour;
  process.on("message", (raw: unknown) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const { id, command } = parsed.data;
    const done = ((): Promise<unknown> => {
      switch (command.type) {
        case "hop-reporting":
          return Promise.resolve(switchReporting(command.mode));
        case "nats-trace":
          ctx.natsTraceTo = command.to;
          return Promise.resolve(null);
        case "cancel":
          return running.cancel ? running.cancel() : Promise.reject(new Error(`the ${spec.role} makes no calls to cancel`));
        case "settings":
          Object.assign(ctx.settings, command.settings);
          return running.handle(command);
        default:
          return running.handle(command);
      }
    })();
    // Held like hops: a publisher that does not wait for its messages' fate (a request, a
    // confirm) answers while they are on their way, and the server, woken then, would take CPU
    // from the very round trip the ledger is timing.
    const answer = (message: ChildMessage) => setTimeout(() => send(message), HOP_REPORT_DELAY_MS);
    done.then(
      (result) => answer({ t: "result", id, ok: true, result }),
      (error: unknown) => answer({ t: "result", id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ t: "ready" });
}

run().catch((error: unknown) => {
  // Logged first: the server kills an actor that reports a fatal error.
  logger.error({ err: error }, "actor failed to start");
  send({ t: "fatal", error: error instanceof Error ? error.message : String(error) });
  setTimeout(() => process.exit(1), 50);
});
