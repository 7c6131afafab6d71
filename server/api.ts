import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { describeZodError, type ErrorCode, type HealthResponse } from "../lib/protocol";
import { Access } from "./access";
import { Comparisons } from "./comparisons";
import { fail, ok, type Result, type ScenarioEngine } from "./engine";
import type { HealthMonitor } from "./health";
import { log } from "./log";
import type { MeasurementService } from "./measure/service";
import { MAX_BODY_BYTES, REFUSED_BODY_DRAIN_BYTES, REFUSED_BODY_DRAIN_MS } from "./options";
import { NoSuchTarget, tapTargetsSchema, type BrokerTaps } from "./taps";
import type { Witnesses } from "./taps/witness";
import { VERSION } from "./version";

const STATUS: Record<ErrorCode, number> = {
  "bad-request": 400,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "not-running": 409,
  "broker-down": 503,
  "too-large": 413,
  "rate-limited": 429,
  internal: 500,
};

class BodyError extends Error {}
/** The body is over MAX_BODY_BYTES; the rest of it may still be on its way. */
class BodyTooLarge extends Error {}
/** The client went away before its body arrived: nobody is left to answer. */
class ClientGone extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(json);
}

function sendResult(res: ServerResponse, result: Result<unknown>): void {
  send(res, result.ok ? 200 : STATUS[result.error.code], result);
}

/**
 * Reads the body with listeners rather than an async iterator: leaving an iterator early destroys
 * the request and with it the socket, so an oversized body could only be answered with a reset.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off("data", onData);
      reject(new BodyTooLarge());
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => reject(new ClientGone()));
    req.once("close", () => reject(new ClientGone()));
  });
}

/**
 * Answers 413 with Connection: close once the client has sent all it meant to (within bounds).
 * Answering first would close the socket while the client is still sending, and the kernel
 * resets such a connection: a browser's fetch would read a network error instead of the 413.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  const answer = () => {
    clearTimeout(timer);
    req.off("data", onData);
    if (res.headersSent) return;
    res.setHeader("connection", "close");
    sendResult(res, fail("too-large", `body: larger than ${MAX_BODY_BYTES} bytes`));
  };
  let drained = 0;
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > REFUSED_BODY_DRAIN_BYTES) answer();
  };
  const timer = setTimeout(answer, REFUSED_BODY_DRAIN_MS);
  if (req.complete || Number(req.headers["content-length"] ?? 0) > REFUSED_BODY_DRAIN_BYTES) return answer();
  req.on("data", onData);
  req.once("end", answer);
  req.once("close", () => clearTimeout(timer));
  req.resume();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString("utf8").trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BodyError(`body: not valid JSON (${(error as Error).message})`);
  }
}

/** `?since=SEQ&limit=N` of a page of hops. */
function pageOf(url: URL): Result<{ since: number; limit: number }> {
  const since = sinceOf(url);
  const limit = Number(url.searchParams.get("limit") ?? "5000");
  if (since === null) return fail("bad-request", "since: expected a whole number ≥ 0");
  if (!Number.isInteger(limit) || limit < 1) return fail("bad-request", "limit: expected a whole number ≥ 1");
  return ok({ since, limit });
}

/** `?since=SEQ`: where a recording or a page of hops starts; null when it is not a seq. */
function sinceOf(url: URL): number | null {
  const since = Number(url.searchParams.get("since") ?? "0");
  return Number.isInteger(since) && since >= 0 ? since : null;
}

/** A recording as a download named after what it holds and when it was saved. */
function sendRecording(res: ServerResponse, name: string, ndjson: string): void {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "content-disposition": `attachment; filename="${name}-${stamp}.ndjson"`,
    "cache-control": "no-store",
  });
  res.end(ndjson);
}

function decodeSegment(segment: string | undefined): string | null {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    return null;
  }
}

const COMPARISON_ROUTE = /^\/api\/comparisons(?:\/([^/]+)(?:\/(start|stop|commands|recording))?)?$/;
const MEASUREMENT_ROUTE = /^\/api\/measurements(?:\/(run))?$/;
const witnessSwitchSchema = z.object({ on: z.boolean() }).strict();
const CROSS_CHECK_ROUTE = /^\/api\/scenarios\/([^/]+)\/crosscheck$/;
const SCENARIO_ROUTE = /^\/api\/scenarios\/([^/]+)\/(start|stop|commands|state|hops|traces|recording|gauges|peek)(?:\/([^/]+))?$/;
const GET_ACTIONS = new Set(["state", "hops", "traces", "recording", "gauges", "peek"]);

/** The automation API: everything a presenter can click, as JSON over HTTP. */
export function createApiHandler(engine: ScenarioEngine, health: HealthMonitor, access: Access, measurements: MeasurementService, taps: BrokerTaps, witnesses: Witnesses) {
  const comparisons = new Comparisons(engine);
  /** Why a POST may not act, or null: a page from another site, or someone not the presenter. */
  const refusal = (req: IncomingMessage) => {
    // On loopback everyone is the presenter, so a page from another site must not be able to
    // act through the presenter's browser: cross-site POSTs need no preflight.
    if (!Access.sameOrigin(req.headers)) return fail("forbidden", "Commands from another site's page are refused");
    if (!access.isPresenter(Access.bearer(req.headers))) return fail("forbidden", "Only the presenter can act: send Authorization: Bearer <presenter token>");
    return null;
  };
  /** `GET /api/comparisons`, `GET /api/comparisons/:id` and `…/:id/recording`, and `POST …/:id/start|stop|commands`. */
  async function handleComparison(req: IncomingMessage, res: ServerResponse, url: URL, method: string, rawId: string | undefined, action: string | undefined): Promise<void> {
    const wanted = action && action !== "recording" ? "POST" : "GET";
    if (method !== wanted) {
      res.setHeader("allow", wanted);
      return send(res, 405, fail("bad-request", `this route takes ${wanted}`));
    }
    if (rawId === undefined) return send(res, 200, comparisons.list());
    const id = decodeSegment(rawId);
    if (id === null) return sendResult(res, fail("bad-request", "path: malformed percent-encoding"));
    if (!action) {
      const view = comparisons.view(id);
      return view.ok ? send(res, 200, view.result) : sendResult(res, view);
    }
    if (action === "recording") {
      const since = sinceOf(url);
      if (since === null) return sendResult(res, fail("bad-request", "since: expected a whole number ≥ 0"));
      const recording = comparisons.recording(id, since);
      return recording.ok ? sendRecording(res, id, recording.result) : sendResult(res, recording);
    }
    const refused = refusal(req);
    if (refused) return sendResult(res, refused);
    const body = await readJson(req);
    if (action === "start") return sendResult(res, await comparisons.start(id));
    if (action === "stop") return sendResult(res, await comparisons.stop(id));
    return sendResult(res, await comparisons.command(id, body));
  }

  /** `GET /api/measurements`, `GET /api/measurements/run` and `POST /api/measurements` (a presenter's act: it loads every broker). */
  async function handleMeasurements(req: IncomingMessage, res: ServerResponse, method: string, sub: string | undefined): Promise<void> {
    const allowed = sub ? "GET" : "GET, POST";
    if (!allowed.split(", ").includes(method)) {
      res.setHeader("allow", allowed);
      return send(res, 405, fail("bad-request", `this route takes ${allowed}`));
    }
    if (sub) {
      const run = measurements.current();
      return sendResult(res, run ? ok(run) : fail("not-found", "No measurement run since the server started"));
    }
    if (method === "GET") return sendResult(res, ok(await measurements.view()));
    const refused = refusal(req);
    if (refused) return sendResult(res, refused);
    const started = measurements.start(await readJson(req));
    return started.ok ? send(res, 202, started) : sendResult(res, started);
  }

  /** `GET /api/observe/taps`, and `POST` with the subjects, channel patterns, topics and queues to tap (a presenter's act). */
  async function handleTaps(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method === "GET") return sendResult(res, ok(taps.current()));
    if (method !== "POST") {
      res.setHeader("allow", "GET, POST");
      return send(res, 405, fail("bad-request", "this route takes GET, POST"));
    }
    const refused = refusal(req);
    if (refused) return sendResult(res, refused);
    const targets = tapTargetsSchema.safeParse(await readJson(req));
    if (!targets.success) return sendResult(res, fail("bad-request", describeZodError(targets.error)));
    try {
      return sendResult(res, ok(await taps.set(targets.data)));
    } catch (error) {
      if (error instanceof NoSuchTarget) return sendResult(res, fail("not-found", error.message));
      return sendResult(res, fail("broker-down", error instanceof Error ? error.message : String(error)));
    }
  }

  /** `GET /api/scenarios/:id/crosscheck`, and `POST` with `{ on }` to start or stop the broker's witness (a presenter's act). */
  async function handleCrossCheck(req: IncomingMessage, res: ServerResponse, method: string, rawId: string | undefined): Promise<void> {
    const id = decodeSegment(rawId);
    if (id === null) return sendResult(res, fail("bad-request", "path: malformed percent-encoding"));
    if (method === "GET") return sendResult(res, witnesses.view(id));
    if (method !== "POST") {
      res.setHeader("allow", "GET, POST");
      return send(res, 405, fail("bad-request", "this route takes GET, POST"));
    }
    const refused = refusal(req);
    if (refused) return sendResult(res, refused);
    const body = witnessSwitchSchema.safeParse(await readJson(req));
    if (!body.success) return sendResult(res, fail("bad-request", describeZodError(body.error)));
    if (body.data.on) return sendResult(res, await witnesses.start(id));
    await witnesses.stop(id);
    return sendResult(res, witnesses.view(id));
  }

  return async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (!access.trustedHost(req.headers)) return sendResult(res, fail("forbidden", "This server only answers requests addressed to this machine"));
    try {
      if (url.pathname === "/api/health" && method === "GET") return send(res, 200, { ...health.current(), version: VERSION } satisfies HealthResponse);
      if (url.pathname === "/api/scenarios" && method === "GET") return send(res, 200, engine.list());
      if (url.pathname === "/api/observe/taps") return await handleTaps(req, res, method);
      if (url.pathname === "/api/observe/hops") {
        if (method !== "GET") return sendResult(res, fail("bad-request", "/api/observe/hops takes GET"));
        const page = pageOf(url);
        return page.ok ? send(res, 200, engine.observedHops(page.result.since, page.result.limit)) : sendResult(res, page);
      }
      const measurement = MEASUREMENT_ROUTE.exec(url.pathname);
      if (measurement) return await handleMeasurements(req, res, method, measurement[1]);
      const comparison = COMPARISON_ROUTE.exec(url.pathname);
      if (comparison) return await handleComparison(req, res, url, method, comparison[1], comparison[2]);

      const crossCheck = CROSS_CHECK_ROUTE.exec(url.pathname);
      if (crossCheck) return await handleCrossCheck(req, res, method, crossCheck[1]);
      const match = SCENARIO_ROUTE.exec(url.pathname);
      if (!match) return sendResult(res, fail("not-found", `No API route ${method} ${url.pathname}`));
      const id = decodeSegment(match[1]);
      if (id === null) return sendResult(res, fail("bad-request", "path: malformed percent-encoding"));
      const action = match[2];
      const wanted = action && GET_ACTIONS.has(action) ? "GET" : "POST";
      if (method !== wanted) {
        res.setHeader("allow", wanted);
        return send(res, 405, fail("bad-request", `${url.pathname} takes ${wanted}`));
      }
      const refused = wanted === "POST" ? refusal(req) : null;
      if (refused) return sendResult(res, refused);

      switch (action) {
        case "state": {
          const state = engine.state(id);
          return state.ok ? send(res, 200, state.result) : sendResult(res, state);
        }
        case "hops": {
          const page = pageOf(url);
          if (!page.ok) return sendResult(res, page);
          const hops = engine.hops(id, page.result.since, page.result.limit);
          return hops.ok ? send(res, 200, hops.result) : sendResult(res, hops);
        }
        case "recording": {
          const since = sinceOf(url);
          if (since === null) return sendResult(res, fail("bad-request", "since: expected a whole number ≥ 0"));
          const recording = engine.recording(id, since);
          return recording.ok ? sendRecording(res, id, recording.result) : sendResult(res, recording);
        }
        case "gauges": {
          if (match[3] !== "history") return sendResult(res, fail("not-found", `No API route ${method} ${url.pathname}: try /api/scenarios/${encodeURIComponent(id)}/gauges/history`));
          const history = engine.gaugeHistory(id);
          return history.ok ? send(res, 200, history.result) : sendResult(res, history);
        }
        case "peek": {
          if (match[3] !== undefined) return sendResult(res, fail("not-found", `No API route ${method} ${url.pathname}: the target goes in ?target=`));
          // It shows what the broker stores, payloads included: the presenter's, like the commands.
          if (!access.isPresenter(Access.bearer(req.headers))) return sendResult(res, fail("forbidden", "Only the presenter can peek: send Authorization: Bearer <presenter token>"));
          const peek = await engine.peek(id, Object.fromEntries(url.searchParams));
          return peek.ok ? send(res, 200, peek.result) : sendResult(res, peek);
        }
        case "traces": {
          const traceId = decodeSegment(match[3]);
          if (traceId === null) return sendResult(res, fail("bad-request", "path: malformed percent-encoding"));
          const trace = engine.trace(id, traceId);
          return trace.ok ? send(res, 200, trace.result) : sendResult(res, trace);
        }
        case "start":
          await readJson(req);
          return sendResult(res, await engine.start(id));
        case "stop":
          await readJson(req);
          return sendResult(res, await engine.stop(id));
        case "commands":
          return sendResult(res, await engine.command(id, await readJson(req)));
      }
    } catch (error) {
      if (error instanceof BodyError) return sendResult(res, fail("bad-request", error.message));
      if (error instanceof BodyTooLarge) return refuseBody(req, res);
      if (error instanceof ClientGone) return;
      log.error({ err: error, method, path: url.pathname }, "API request failed");
      if (!res.headersSent) sendResult(res, fail("internal", "Internal error; see the server log"));
    }
  };
}
