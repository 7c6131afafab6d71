import { request } from "node:http";
import { afterAll, beforeAll } from "vitest";
import { hostname } from "node:os";
import { ErrorCode, type NatsConnection, type NatsError } from "nats";
import { io as connectSocket, type Socket } from "socket.io-client";
import { createHopscope, type Hopscope } from "../../server/app";
import { hostSlug, namespace } from "../../server/brokers/namespace";
import { loadConfig } from "../../server/config";
import { SCENARIOS } from "../../server/scenarios";
import type { ClientToServerEvents, Hop, ScenarioState, ServerToClientEvents } from "../../lib/protocol";

/**
 * The suite's own namespace, apart from any dashboard running on this machine or on another
 * machine sharing the brokers: `npm test` never takes a presenter's messages, nor they its.
 */
// HOPSCOPE_TEST_NAMESPACE lets two checkouts run their suites side by side on the same brokers.
export const TEST_NAMESPACE = process.env.HOPSCOPE_TEST_NAMESPACE ?? `${hostSlug(hostname())}-test`;
/** The suite's broker names, for tests that look at the brokers directly. */
export const testNames = namespace(TEST_NAMESPACE);

/** A real Hopscope on port 0, talking to the real brokers on this machine. */
export async function startHopscope(env: Record<string, string> = {}): Promise<{ hopscope: Hopscope; base: string }> {
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: TEST_NAMESPACE, ...env });
  const hopscope = await createHopscope({ config, scenarios: SCENARIOS, healthIntervalMs: 500 });
  const address = await hopscope.listen(0, "127.0.0.1");
  return { hopscope, base: `http://127.0.0.1:${address.port}` };
}

/** A Hopscope for the whole file: started before its first test, closed after its last. */
export function hopscopeForFile(env: Record<string, string> = {}): { readonly hopscope: Hopscope; readonly base: string } {
  let started: { hopscope: Hopscope; base: string } | null = null;
  beforeAll(async () => {
    started = await startHopscope(env);
  });
  afterAll(async () => {
    await started?.hopscope.close();
  });
  const running = () => {
    if (!started) throw new Error("Hopscope is not started yet: use it inside a test");
    return started;
  };
  return {
    get hopscope() {
      return running().hopscope;
    },
    get base() {
      return running().base;
    },
  };
}

export async function api<T = unknown>(base: string, method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function allHops(base: string, scenarioId: string): Promise<Hop[]> {
  const res = await api<{ hops: Hop[] }>(base, "GET", `/api/scenarios/${scenarioId}/hops?since=0`);
  return res.body.hops;
}

/** Every hop still in the scenario's buffer, page by page, oldest first. */
export async function everyHop(base: string, scenarioId: string): Promise<Hop[]> {
  const hops: Hop[] = [];
  for (let since = 0; ; ) {
    const page = await api<{ hops: Hop[]; lastSeq: number }>(base, "GET", `/api/scenarios/${scenarioId}/hops?since=${since}`);
    hops.push(...page.body.hops);
    if (page.body.hops.length === 0) return hops;
    since = page.body.lastSeq;
  }
}

export async function liveActors(base: string, scenarioId: string, role: string): Promise<string[]> {
  return (await state(base, scenarioId)).actors.filter((a) => a.role === role && a.alive).map((a) => a.id);
}

/** The NATS server answers 503 once it has dropped every subscription on the subject. */
export async function noInterestIn(nc: NatsConnection, subject: string): Promise<true | undefined> {
  try {
    await nc.request(subject, undefined, { timeout: 300 });
    return undefined;
  } catch (error) {
    return (error as NatsError).code === ErrorCode.NoResponders ? true : undefined;
  }
}

export async function state(base: string, scenarioId: string): Promise<ScenarioState> {
  return (await api<ScenarioState>(base, "GET", `/api/scenarios/${scenarioId}/state`)).body;
}

export type TypedClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export function socketClient(base: string, options: { token?: string; origin?: string } = {}): TypedClient {
  return connectSocket(base, {
    transports: ["websocket"],
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.origin ? { origin: options.origin } : undefined,
    reconnection: false,
  });
}

/** A request with headers fetch will not send, such as a foreign Host. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
