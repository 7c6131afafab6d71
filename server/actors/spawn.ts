import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { describeZodError, hopDraftSchema, type HopDraft } from "../../lib/protocol";
import type { Actor, ActorEvents } from "../engine/actor";
import { ACTOR_COMMAND_TIMEOUT_MS, ACTOR_READY_TIMEOUT_MS } from "../options";
import { ACTOR_SPEC_ENV, childMessageSchema, type ActorCommand, type ActorSpec } from "./ipc";

const ACTOR_ENTRY = fileURLToPath(new URL("./main.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

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
  private reportedInvalidHop = false;

  constructor(readonly spec: ActorSpec) {
    super();
    this.child = fork(ACTOR_ENTRY, [], {
      cwd: PROJECT_ROOT,
      execArgv: ["--import", "tsx"],
      env: { ...process.env, [ACTOR_SPEC_ENV]: JSON.stringify(spec) },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.pid = this.child.pid ?? 0;
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
      process.stderr.write(chunk);
    });

    this.ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!error) return resolve();
        // An actor that never became ready must not linger: it would hold a role slot and
        // could still join the broker later, unseen.
        this.child.kill("SIGKILL");
        reject(error);
      };
      const timer = setTimeout(() => settle(new Error(`${spec.id} did not become ready within ${ACTOR_READY_TIMEOUT_MS} ms`)), ACTOR_READY_TIMEOUT_MS);
      // Without a listener, a failed spawn or a send to a dying child would crash the server.
      this.child.on("error", (error) => {
        process.stderr.write(`[${spec.id}] ${error.message}\n`);
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
        process.stderr.write(`[${this.spec.id}] dropped an invalid hop: ${describeZodError(parsed.error)}\n`);
      }
    }
    return hops;
  }

  exited(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    return new Promise((resolve) => this.once("exit", () => resolve()));
  }
}

function isHopBatch(raw: unknown): raw is { t: "hops"; hops: unknown[] } {
  return typeof raw === "object" && raw !== null && (raw as { t?: unknown }).t === "hops" && Array.isArray((raw as { hops?: unknown }).hops);
}
