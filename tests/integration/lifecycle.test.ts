/**
 * The server as `npm start` runs it: its own process (server/main.ts), its actors its children.
 * Without the dashboard (HOPSCOPE_DASHBOARD=off), so no build is needed and no dev server's lock
 * is taken; what is tested here (version, signals, orphans) does not involve Next.js.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import type { HealthResponse } from "../../lib/protocol";
import { ORPHAN_EXIT_MS, SIGNAL_ECHO_WINDOW_MS } from "../../server/options";
import { api, state, TEST_NAMESPACE, waitFor } from "./harness";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ID = "nats-request-reply";
const { version: VERSION } = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")));

interface Server {
  child: ChildProcess;
  base: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  output: () => string;
}

const started: Server[] = [];
const actorPids: number[] = [];

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: "0", HOST: "127.0.0.1", HOPSCOPE_DASHBOARD: "off", HOPSCOPE_NAMESPACE: `${TEST_NAMESPACE}-lifecycle`, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<Awaited<Server["exit"]>>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })));
  const server: Server = { child, base: "", exit, output: () => output };
  started.push(server);
  const banner = await waitFor(
    "the start banner",
    () => {
      if (child.exitCode !== null) throw new Error(`the server exited before it listened:\n${output}`);
      return /Hopscope (\S+) is live at (http:\/\/127\.0\.0\.1:\d+)/.exec(output) ?? undefined;
    },
    15_000,
  );
  expect(banner[1]).toBe(VERSION);
  server.base = banner[2] ?? "";
  return server;
}

/** Starts the scenario and answers its actors' process ids once all of them are up. */
async function runningActors(base: string): Promise<number[]> {
  expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
  const actors = await waitFor("live actors", async () => {
    const { actors } = await state(base, ID);
    return actors.length >= 3 && actors.every((a) => a.alive && a.pid > 0) ? actors : undefined;
  });
  const pids = actors.map((a) => a.pid);
  actorPids.push(...pids);
  return pids;
}

/** Gone, or a zombie waiting for a reaper: either way no longer running any code. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

afterEach(() => {
  // A failed test must not leave its processes behind: only the ones it started, by pid.
  for (const server of started.splice(0)) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  for (const pid of actorPids.splice(0)) if (running(pid)) process.kill(pid, "SIGKILL");
});

describe("the server process", () => {
  test("names its version in the banner and in /api/health, beside the brokers", async () => {
    const server = await startServer();
    const { status, body } = await api<HealthResponse>(server.base, "GET", "/api/health");
    expect(status).toBe(200);
    expect(body.version).toBe(VERSION);
    expect(Object.keys(body.brokers).sort()).toEqual(["kafka", "nats", "rabbitmq", "redis"]);
    expect(body.brokers.nats.up).toBe(true);
    server.child.kill("SIGTERM");
    expect((await server.exit).code).toBe(0);
  });

  test("a second Ctrl-C exits at once, and no actor outlives it", async () => {
    const server = await startServer();
    const pids = await runningActors(server.base);
    // Frozen actors ignore the graceful SIGTERM, so the stop would take the whole grace: only
    // the second Ctrl-C can end it this soon.
    for (const pid of pids) process.kill(pid, "SIGSTOP");
    server.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, SIGNAL_ECHO_WINDOW_MS + 100));
    expect(server.child.exitCode).toBeNull();
    const secondAt = performance.now();
    server.child.kill("SIGINT");
    const { code, at } = await server.exit;
    expect(code).toBe(130);
    expect(at - secondAt).toBeLessThan(1_000);
    expect(server.output()).toMatch(/SIGINT again: exiting now/);
    await waitFor("the actors to be gone", () => pids.every((pid) => !running(pid)) || undefined, 3_000);
  });

  test("actors SIGKILLed with their server while still loading leave too", async () => {
    const server = await startServer();
    // Not awaited: start answers once the actors are ready, and this kill comes before that.
    void api(server.base, "POST", `/api/scenarios/${ID}/start`).catch(() => undefined);
    const pids = await waitFor("the actors to be forked", async () => {
      const { actors } = await state(server.base, ID);
      return actors.length >= 3 ? actors.map((a) => a.pid) : undefined;
    });
    actorPids.push(...pids);
    server.child.kill("SIGKILL");
    await server.exit;
    // Loading an actor (tsx, the broker clients) takes seconds on a busy machine; it then finds
    // its channel closed instead of connecting to the broker and staying there.
    await waitFor("the orphaned actors to leave", () => pids.every((pid) => !running(pid)) || undefined, 10_000);
  });

  test("after a SIGKILL of the server its actors notice and leave within seconds", async () => {
    const server = await startServer();
    const pids = await runningActors(server.base);
    server.child.kill("SIGKILL");
    const killedAt = performance.now();
    await server.exit;
    await waitFor("the orphaned actors to leave", () => pids.every((pid) => !running(pid)) || undefined, ORPHAN_EXIT_MS + 3_000);
    expect(performance.now() - killedAt).toBeLessThan(ORPHAN_EXIT_MS + 3_000);
  });
});
