import { randomBytes } from "node:crypto";
import type { ActorHopKind, TransportId, MessageDescriptor, MessageHopDraft } from "../../lib/protocol";
import { wallClockMs } from "../../lib/clock";
import type { Namespace } from "../brokers/namespace";
import type { ActorCommand, ActorSpec } from "./ipc";

/** A hop as a role reports it; `broker` only where the role speaks more than one transport. */
export type HopInput = Omit<MessageHopDraft, "scenarioId" | "broker" | "at"> & { at?: number; broker?: TransportId };

/** What a role gets from the process it runs in. `K`: the settings its scenario declares. */
export interface ActorContext<K extends string = string> {
  spec: ActorSpec;
  /** The transport of its role: every hop it emits carries this broker unless it names another. */
  broker: TransportId;
  /** Names its broker objects: the seeds' names in this instance's namespace. */
  names: Namespace;
  /** The URL of one of its role's transports; throws for one the role does not declare. */
  urlOf(transport: TransportId): string;
  /** Every setting its scenario declares, current; updated in place when the presenter changes one. */
  settings: Record<K, number>;
  /**
   * The subject a NATS publish names in its `Nats-Trace-Dest` header (lib/nats-trace.ts), so the
   * server tells the broker's witness who got it; null while nobody listens, when it costs nothing.
   */
  natsTraceTo: string | null;
  emit(hop: HopInput): void;
  /**
   * Hands what was emitted to the server now rather than at the end of this turn: before an
   * answer leaves for the broker, so that a SIGKILL right after cannot keep the answer's hop
   * from the server while the broker delivers the answer itself. Resolves once the hops are
   * written to the server's channel: await it where the broker must not act on a message (an
   * ack, a commit) before the server knows what this actor did with it, since a hop still
   * waiting here dies with the process.
   */
  flush(): Promise<void>;
  /** Something that happened to this actor itself, such as its group handing it partitions. */
  note(kind: Exclude<ActorHopKind, "actor-started" | "actor-killed" | "actor-exited">, detail: { partitions?: number[]; reason?: string }): void;
  setConnected(connected: boolean): void;
  /** Names the broker connections this actor holds, for the picture. */
  setConnections(connections: string[]): void;
  /** A warning on this actor's logger, which names the actor, its role and its scenario. */
  log(message: string): void;
  /**
   * Leaves for good, so that the supervisor starts a fresh actor once its brokers answer: for
   * state no reconnect can repair (a dead channel, a cancelled consumer). Everything emitted so
   * far, and by the `onLeave` handlers, reaches the server first.
   */
  leave(why: string): void;
  /** Runs on `leave`: report here what this actor will never finish. */
  onLeave(handler: () => void): void;
}

export interface ActorBehaviour {
  handle(command: Exclude<ActorCommand, { type: "cancel" | "hop-reporting" | "nats-trace" }>): Promise<unknown>;
  /** Where the role makes calls: cancels every one still in flight, and says how many. */
  cancel?(): Promise<{ cancelled: number }>;
  close(): Promise<void>;
}

/** A role's program. It may read only the settings in `K`, which its scenario must declare. */
export type ActorProgram<K extends string = never> = (ctx: ActorContext<K>) => Promise<ActorBehaviour>;

/** A role that only listens: it takes no commands, and lets go of its broker on close. */
export function listening(close: () => Promise<void> | void): ActorBehaviour {
  return {
    async handle() {
      return null;
    },
    async close() {
      await close();
    },
  };
}

/** The descriptor every role builds the same way, so payload previews look alike. */
export function describeMessage(
  fields: Pick<MessageDescriptor, "id" | "destination" | "attempt" | "redelivered"> & { traceId?: string },
  body: Uint8Array,
): MessageDescriptor {
  return {
    id: fields.id,
    traceId: fields.traceId ?? fields.id,
    destination: fields.destination,
    attempt: fields.attempt,
    redelivered: fields.redelivered,
    size: body.byteLength,
    preview: previewOf(body),
  };
}

const decoder = new TextDecoder();

export function previewOf(body: Uint8Array, max = 120): string {
  const text = decoder.decode(body.subarray(0, max * 4)).replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const now = wallClockMs;

/**
 * Message ids for one publishing process: a random prefix keeps them unique across restarts,
 * the running number `n` also varies the sample payloads.
 */
export function messageIds(): () => { id: string; n: number } {
  const prefix = randomBytes(2).toString("hex");
  let n = 0;
  return () => {
    n++;
    return { id: `${prefix}-${n}`, n };
  };
}

/** No wait at all for 0: a timer would still cost a millisecond, and a zero-work setting would show it as the broker's latency. */
export function sleep(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
