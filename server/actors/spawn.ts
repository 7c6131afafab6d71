import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { describeZodError, hopDraftSchema, type HopDraft } from "../../lib/protocol";
import type { Actor, ActorEvents } from "../engine/actor";
import { actorLogger, log, type Logger } from "../log";
import { bundledEntry } from "./bundle";
import { ACTOR_COMMAND_TIMEOUT_MS, ACTOR_READY_TIMEOUT_MS } from "../options";
import { ACTOR_SPEC_ENV, childMessageSchema, type ActorCommand, type ActorSpec } from "./ipc";

const ACTOR_SOURCE = fileURLToPath(new URL("./main.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What an actor process runs: the TypeScript entry through tsx until the bundle is ready. */
const actorEntry = bundledEntry(ACTOR_SOURCE, PROJECT_ROOT, "actor", (error) => log.warn({ err: error }, "could not bundle the actor entry; actors start through tsx"));

/**
 * Bundles the actor entry (see `bundleActorEntry`), once per process. Should bundling fail, actors
 * still run, only slower to start: the server says so and goes on.
 */
export function prepareActorBundle(): Promise<void> {
  return actorEntry.prepare();
}
/** Enough of an actor's stderr for a stack trace: kept to explain an early exit. */
const STDERR_TAIL_CHARS = 2000;

/** Every actor process still running, so none outlives this one (see `killLiveActorsOnExit`). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * However this process ends (a graceful stop is done with its actors first, but a second Ctrl-C,
 * the shutdown deadline or a crash exits with them still running), its last act is to SIGKILL
 * them: "exit" listeners run synchronously, and kill() is one system call per child.
 */
export function killLiveActorsOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const live of liveChildren) live.kill("SIGKILL");
  });
}

/** The server's grip on one actor process: commands down, hops and status up. */
export class ActorHandle extends EventEmitter<ActorEvents> implements Actor {
  readonly pid: number;
  alive = true;
  connected = true;
  connections: string[] | undefined;
  /** Set once we sent SIGKILL, so the exit reads as a kill rather than a crash. */
  killedByPresenter = false;
  readonly ready: Promise<void>;
  private child: ChildProcess;
  private nextCommandId = 1;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private stderrTail = "";
  /** A line the actor has not finished writing yet. */
  private stderrPartial = "";
  private reportedInvalidHop = false;
  /** Set once we sent a signal, so the exit is expected rather than a crash. */
  private signalled = false;
  private readonly logger: Logger;

  constructor(readonly spec: ActorSpec) {
    super();
    this.logger = actorLogger(log, spec);
    const entry = actorEntry.current();
    this.child = fork(entry.file, [], {
      cwd: PROJECT_ROOT,
      execArgv: entry.execArgv,
      env: { ...process.env, [ACTOR_SPEC_ENV]: JSON.stringify(spec) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.pid = this.child.pid ?? 0;
    killLiveActorsOnExit(this.child);
    // The actor's own diagnostics go to its logger; what reaches stderr is what bypassed it (an
    // uncaught exception's stack, a Node warning), so it must stay visible, with the actor named.
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      const pending = this.stderrPartial + text;
      const end = pending.lastIndexOf("\n");
      if (end === -1 && pending.length < STDERR_TAIL_CHARS) {
        this.stderrPartial = pending;
        return;
      }
      this.stderrPartial = end === -1 ? "" : pending.slice(end + 1);
      this.logStderr(end === -1 ? pending : pending.slice(0, end));
    });
    this.child.stderr?.on("end", () => this.logStderr(this.stderrPartial));

    this.ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!error) return resolve();
        // An actor that never became ready must not linger: it would hold a role slot and
        // could still join the broker later, unseen.
        this.signalled = true;
        this.child.kill("SIGKILL");
        reject(error);
      };
      const timer = setTimeout(() => settle(new Error(`${spec.id} did not become ready within ${ACTOR_READY_TIMEOUT_MS} ms`)), ACTOR_READY_TIMEOUT_MS);
      // Without a listener, a failed spawn or a send to a dying child would crash the server.
      this.child.on("error", (error) => {
        this.logger.error({ err: error }, "actor process error");
        settle(error);
      });
      this.child.on("message", (raw: unknown) => {
        // Hops are the hot path: checked hop by hop below, without copying the batch first.
        if (isHopBatch(raw)) {
          this.emit("hops", this.validHops(raw.hops));
          return;
        }
        const parsed = childMessageSchema.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        switch (message.t) {
          case "ready":
            settle();
            break;
          case "fatal":
            settle(new Error(`${spec.id} failed to start: ${message.error}`));
            break;
          case "status":
            this.connected = message.connected;
            this.connections = message.connections;
            this.emit("status");
            break;
          case "result": {
            const waiter = this.waiting.get(message.id);
            if (!waiter) break;
            this.waiting.delete(message.id);
            clearTimeout(waiter.timer);
            if (message.ok) waiter.resolve(message.result);
            else waiter.reject(new Error(message.error ?? "actor command failed"));
            break;
          }
        }
      });
      this.child.once("exit", (code, signal) => {
        this.alive = false;
        this.connected = false;
        if (this.signalled) this.logger.debug({ code, signal }, "actor exited");
        else this.logger.warn({ code, signal }, "actor exited by itself");
        settle(new Error(`${spec.id} exited before it was ready (${signal ?? `code ${code}`}): ${this.stderrTail.trim().split("\n").pop() ?? ""}`));
        for (const waiter of this.waiting.values()) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error(`${spec.id} is gone`));
        }
        this.waiting.clear();
        this.emit("exit", { code, signal });
      });
    });
    // Callers that never await `ready` must not crash the process with an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  send(command: ActorCommand): Promise<unknown> {
    if (!this.alive || !this.child.connected) return Promise.reject(new Error(`${this.spec.id} is not running`));
    const id = this.nextCommandId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.spec.id} did not answer within ${ACTOR_COMMAND_TIMEOUT_MS} ms`));
      }, ACTOR_COMMAND_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      this.child.send({ t: "command", id, command }, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error(`${this.spec.id} could not be reached: ${error.message}`));
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    this.signalled = true;
    if (signal === "SIGKILL") this.killedByPresenter = true;
    this.child.kill(signal);
  }

  /** Invalid hops are a bug in a role: say so once per actor instead of losing them silently. */
  private validHops(raw: unknown[]): HopDraft[] {
    const hops: HopDraft[] = [];
    for (const item of raw) {
      const parsed = hopDraftSchema.safeParse(item);
      if (parsed.success) hops.push(parsed.data);
      else if (!this.reportedInvalidHop) {
        this.reportedInvalidHop = true;
        this.logger.error(`dropped an invalid hop: ${describeZodError(parsed.error)}`);
      }
    }
    return hops;
  }

  private logStderr(text: string): void {
    if (text.trim() !== "") this.logger.warn({ stream: "stderr" }, text);
  }

  exited(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => this.once("exit", () => resolve()));
  }
}

function isHopBatch(raw: unknown): raw is { t: "hops"; hops: unknown[] } {
  return typeof raw === "object" && raw !== null && (raw as { t?: unknown }).t === "hops" && Array.isArray((raw as { hops?: unknown }).hops);
}
