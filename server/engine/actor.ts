import type { HopDraft } from "../../lib/protocol";
import type { ActorCommand, ActorSpec } from "../actors/ipc";

export interface ActorEvents {
  hops: [HopDraft[]];
  status: [];
  exit: [{ code: number | null; signal: NodeJS.Signals | null }];
}

/**
 * What the engine needs of one actor: the process (`ActorHandle`) in production, an in-memory
 * fake in the engine's unit tests.
 */
export interface Actor {
  readonly spec: ActorSpec;
  readonly pid: number;
  readonly alive: boolean;
  readonly connected: boolean;
  readonly connections: string[] | undefined;
  /** Set once the engine sent SIGKILL, so the exit reads as a kill rather than a crash. */
  readonly killedByPresenter: boolean;
  /** Settles once the actor is connected and takes commands; rejects if it never gets there. */
  readonly ready: Promise<void>;
  send(command: ActorCommand): Promise<unknown>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the actor is gone (at once if it already is). */
  exited(): Promise<void>;
  on<E extends keyof ActorEvents>(event: E, listener: (...args: ActorEvents[E]) => void): this;
}

/** Creates (and starts) the actor that plays `spec`. */
export type ActorFactory = (spec: ActorSpec) => Actor;
