import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bundledEntry } from "../actors/bundle";
import { killLiveActorsOnExit } from "../actors/spawn";
import { childMessageSchema, MEASURE_CHILD_ENV, type ChildMessage, type ChildSpec, type ParentMessage } from "./ipc";
import { withTimeout } from "./timeout";
import type { ReceiverInfo } from "./transport";

const CHILD_SOURCE = fileURLToPath(new URL("./child.ts", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STDERR_TAIL_CHARS = 1500;

/** The receiver's entry: through tsx until the bundle is ready, as for actors (see server/actors/bundle.ts). */
const childEntry = bundledEntry(CHILD_SOURCE, PROJECT_ROOT, "measure-receiver", () => undefined);

type Collected = Extract<ChildMessage, { type: "collected" }>;

/** Bundles the receiver once per process; a run started while bundling fails still measures, through tsx. */
export function prepareReceiverBundle(): Promise<void> {
  return childEntry.prepare();
}

/** The measuring side's grip on one receiver process: one request at a time, each with a deadline. */
export class ReceiverProcess {
  readonly ready: Promise<ReceiverInfo>;
  private readonly child: ChildProcess;
  private stderrTail = "";
  private exited: string | null = null;
  private readonly listeners = new Set<(message: ChildMessage) => void>();
  private readonly exitListeners = new Set<(why: string) => void>();

  constructor(spec: ChildSpec) {
    const entry = childEntry.current();
    this.child = fork(entry.file, [], {
      cwd: PROJECT_ROOT,
      execArgv: entry.execArgv,
      env: { ...process.env, [MEASURE_CHILD_ENV]: JSON.stringify(spec) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    // However the measuring process ends, no receiver outlives it.
    killLiveActorsOnExit(this.child);
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (text: string) => (this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS)));
    this.child.on("error", (error) => this.onExit(`the receiver process failed: ${error.message}`));
    this.child.on("exit", (code, signal) => this.onExit(`the receiver process exited (${signal ?? `code ${code}`})${this.stderrTail ? `: ${this.lastLine()}` : ""}`));
    this.child.on("message", (raw: unknown) => {
      const parsed = childMessageSchema.safeParse(raw);
      if (parsed.success) for (const listener of [...this.listeners]) listener(parsed.data);
    });
    this.ready = this.next("ready").then((m) => ({ port: m.port }));
    // Awaited by the run with its own deadline; a child that dies unawaited is no crash here.
    this.ready.catch(() => undefined);
  }

  /** Start counting, and timing one-way paths when `record`, from now. */
  async mark(record: boolean, timeoutMs: number): Promise<void> {
    const marked = this.next("marked");
    this.post({ type: "mark", record });
    await withTimeout(marked, timeoutMs, "the receiver starting its count");
  }

  /** What arrived since the mark, once `expected` did or `waitMs` passed. */
  collect(expected: number | null, waitMs: number): Promise<Collected> {
    const collected = this.next("collected");
    this.post({ type: "collect", expected, waitMs });
    return withTimeout(collected, waitMs + 5_000, "the receiver's count");
  }

  /** Asks the receiver to leave the broker cleanly (a Kafka group member), and kills it if it does not. */
  async close(timeoutMs: number): Promise<void> {
    if (this.exited !== null) return;
    const gone = new Promise<void>((resolve) => this.exitListeners.add(() => resolve()));
    this.post({ type: "close" });
    await withTimeout(gone, timeoutMs, "the receiver closing").catch(() => this.child.kill("SIGKILL"));
  }

  private post(message: ParentMessage): void {
    if (this.exited === null && this.child.connected) this.child.send(message, (error) => error && undefined);
  }

  /** The next message of a type; rejects when the child fails or exits first. */
  private next<T extends ChildMessage["type"]>(type: T): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.exited !== null) return reject(new Error(this.exited));
      const done = () => {
        this.listeners.delete(onMessage);
        this.exitListeners.delete(onExit);
      };
      const onMessage = (message: ChildMessage) => {
        if (message.type === "failed") {
          done();
          reject(new Error(message.error));
        } else if (message.type === type) {
          done();
          resolve(message as Extract<ChildMessage, { type: T }>);
        }
      };
      const onExit = (why: string) => {
        done();
        reject(new Error(why));
      };
      this.listeners.add(onMessage);
      this.exitListeners.add(onExit);
    });
  }

  private onExit(why: string): void {
    if (this.exited !== null) return;
    this.exited = why;
    for (const listener of [...this.exitListeners]) listener(why);
  }

  private lastLine(): string {
    const lines = this.stderrTail.trim().split("\n");
    return lines.find((line) => /Error/.test(line)) ?? lines.at(-1) ?? "";
  }
}
