/**
 * Diagnostics of the server and of every actor process: JSON lines for machines, or readable
 * lines when a person watches the terminal. Human messages (the start banner) stay plain output.
 */
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import type PinoPretty from "pino-pretty";
import { loadLogLevel, type LogLevel } from "./config";

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  /** Readable lines instead of JSON, for a terminal. */
  pretty: boolean;
  /** A file descriptor (stdout by default) or a stream, so tests can read the lines. */
  destination?: number | DestinationStream;
}

/** What every line from an actor carries, so interleaved output from a dozen processes can be told apart. */
export interface ActorIdentity {
  id: string;
  role: string;
  scenarioId: string;
}

export function createLogger({ level, pretty, destination = 1 }: LoggerOptions): Logger {
  if (!pretty) {
    // Synchronous writes: an actor leaves with process.exit, and its last lines must not be lost.
    return pino({ level }, typeof destination === "number" ? pino.destination({ dest: destination, sync: true }) : destination);
  }
  // Loaded only for a terminal: it costs every actor process tens of milliseconds at start.
  const pinoPretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
  return pino(
    { level },
    pinoPretty({
      destination,
      sync: true,
      colorize: typeof destination === "number" ? undefined : false,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,actor,role,scenario",
      messageFormat: "{if actor}[{actor}] {end}{msg}",
    }),
  );
}

/** A logger whose every line names the actor, its role and its scenario. */
export function actorLogger(parent: Logger, actor: ActorIdentity): Logger {
  return parent.child({ actor: actor.id, role: actor.role, scenario: actor.scenarioId });
}

/** This process's logger: the server's, or in an actor process the parent of its actor logger. */
export const log: Logger = createLogger({ level: loadLogLevel(), pretty: process.stdout.isTTY === true });
