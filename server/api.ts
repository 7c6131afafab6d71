import type { IncomingMessage, ServerResponse } from "node:http";
import type { ErrorCode } from "../lib/protocol";
import { Access } from "./access";
import { fail, type Result, type ScenarioEngine } from "./engine";
import type { HealthMonitor } from "./health";
import { MAX_BODY_BYTES } from "./options";

const STATUS: Record<ErrorCode, number> = {
  "bad-request": 400,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "not-running": 409,
  "broker-down": 503,
  internal: 500,
};

class BodyError extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(json);
}

function sendResult(res: ServerResponse, result: Result<unknown>): void {
  send(res, result.ok ? 200 : STATUS[result.error.code], result);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyError(`body: larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BodyError(`body: not valid JSON (${(error as Error).message})`);
  }
}

function decodeSegment(segment: string | undefined): string | null {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    return null;
  }
}

const SCENARIO_ROUTE = /^\/api\/scenarios\/([^/]+)\/(start|stop|commands|state|hops|traces|recording)(?:\/([^/]+))?$/;

/** The automation API: everything a presenter can click, as JSON over HTTP. */
export function createApiHandler(engine: ScenarioEngine, health: HealthMonitor, access: Access) {
  return async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    if (!access.trustedHost(req.headers)) return sendResult(res, fail("forbidden", "This server only answers requests addressed to this machine"));
    try {
      if (url.pathname === "/api/health" && method === "GET") return send(res, 200, health.current());
      if (url.pathname === "/api/scenarios" && method === "GET") return send(res, 200, engine.list());

      const match = SCENARIO_ROUTE.exec(url.pathname);
      if (!match) return sendResult(res, fail("not-found", `No API route ${method} ${url.pathname}`));
      const id = decodeSegment(match[1]);
      if (id === null) return sendResult(res, fail("bad-request", "path: malformed percent-encoding"));
      const action = match[2];
      const wanted = action === "state" || action === "hops" || action === "traces" || action === "recording" ? "GET" : "POST";
      if (method !== wanted) {
        res.setHeader("allow", wanted);
        return send(res, 405, fail("bad-request", `${url.pathname} takes ${wanted}`));
      }
      // On loopback everyone is the presenter, so a page from another site must not be able to
      // act through the presenter's browser: cross-site POSTs need no preflight.
      if (wanted === "POST" && !Access.sameOrigin(req.headers)) {
        return sendResult(res, fail("forbidden", "Commands from another site's page are refused"));
      }
      if (wanted === "POST" && !access.isPresenter(Access.bearer(req.headers))) {
        return sendResult(res, fail("forbidden", "Only the presenter can act: send Authorization: Bearer <presenter token>"));
      }

      switch (action) {
        case "state": {
          const state = engine.state(id);
          return state.ok ? send(res, 200, state.result) : sendResult(res, state);
        }
        case "hops": {
          const since = Number(url.searchParams.get("since") ?? "0");
          const limit = Number(url.searchParams.get("limit") ?? "5000");
          if (!Number.isInteger(since) || since < 0) return sendResult(res, fail("bad-request", "since: expected a whole number ≥ 0"));
          if (!Number.isInteger(limit) || limit < 1) return sendResult(res, fail("bad-request", "limit: expected a whole number ≥ 1"));
          const hops = engine.hops(id, since, limit);
          return hops.ok ? send(res, 200, hops.result) : sendResult(res, hops);
        }
        case "recording": {
          const since = Number(url.searchParams.get("since") ?? "0");
          if (!Number.isInteger(since) || since < 0) return sendResult(res, fail("bad-request", "since: expected a whole number ≥ 0"));
          const recording = engine.recording(id, since);
          if (!recording.ok) return sendResult(res, recording);
          const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
          res.writeHead(200, {
            "content-type": "application/x-ndjson; charset=utf-8",
            "content-disposition": `attachment; filename="${id}-${stamp}.ndjson"`,
            "cache-control": "no-store",
          });
          return void res.end(recording.result);
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
      console.error("api error", error);
      if (!res.headersSent) sendResult(res, fail("internal", "Internal error; see the server log"));
    }
  };
}
