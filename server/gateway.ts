import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import {
  OBSERVED_ID,
  PROTOCOL_VERSION,
  commandRequestSchema,
  presenterFocusSchema,
  type PresenterFocus,
  describeZodError,
  scenarioRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "../lib/protocol";
import { comparisonById } from "../lib/comparisons";
import { Access } from "./access";
import { fail, type Result, type ScenarioEngine } from "./engine";
import type { HealthMonitor } from "./health";
import { log } from "./log";
import { RATE_LIMIT_LOG_INTERVAL_MS, SOCKET_RATE_LIMITS } from "./options";
import { TokenBucket } from "./rate-limit";

interface SocketData {
  presenter: boolean;
}

const roomOf = (scenarioId: string) => `scenario:${scenarioId}`;
const PRESENTERS = "presenters";

/** Acks are optional on the wire; a client that sends none still gets no crash. */
function replier<T>(ack: unknown): Ack<T> {
  return typeof ack === "function" ? (ack as Ack<T>) : () => undefined;
}

/** `audienceUrls` is asked on every connection: a laptop may change networks mid-workshop. */
export function attachGateway(httpServer: HttpServer, engine: ScenarioEngine, health: HealthMonitor, access: Access, audienceUrls: () => string[]) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(httpServer, {
    allowRequest: (req, callback) => callback(null, Access.sameOrigin(req.headers) && access.trustedHost(req.headers)),
    maxHttpBufferSize: 256 * 1024,
  });

  // Runs for every connection, recovered ones included, so a role is never carried over.
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    socket.data.presenter = access.isPresenter(auth?.token);
    next();
  });

  let focus: PresenterFocus = { scenarioId: null, traceId: null };
  const audience = new Set<string>();
  const tellPresenters = () => io.to(PRESENTERS).emit("audience", { watching: audience.size });

  io.on("connection", (socket) => {
    socket.emit("hello", { v: PROTOCOL_VERSION, presenter: socket.data.presenter, workshop: access.workshop, audienceUrls: access.workshop ? audienceUrls() : [], scenarios: engine.list(), health: health.current(), focus });
    if (socket.data.presenter) {
      void socket.join(PRESENTERS);
      socket.emit("audience", { watching: audience.size });
    } else {
      audience.add(socket.id);
      tellPresenters();
    }
    socket.on("disconnect", () => {
      if (audience.delete(socket.id)) tellPresenters();
    });

    // Checked before anything is parsed, so a flood costs the server as little as possible.
    const buckets = {
      command: new TokenBucket(SOCKET_RATE_LIMITS.command),
      watch: new TokenBucket(SOCKET_RATE_LIMITS.watch),
      focus: new TokenBucket(SOCKET_RATE_LIMITS.focus),
    };
    let refused = 0;
    let loggedAt = -Infinity;
    const overLimit = (kind: keyof typeof buckets): ReturnType<typeof fail> | null => {
      const bucket = buckets[kind];
      if (bucket.take()) return null;
      refused++;
      const at = performance.now();
      if (at - loggedAt >= RATE_LIMIT_LOG_INTERVAL_MS) {
        log.warn({ socket: socket.id, address: socket.handshake.address, kind, refused }, "rate limited a Socket.IO client");
        loggedAt = at;
        refused = 0;
      }
      const { burst, perSecond } = bucket.limit;
      return fail("rate-limited", `Too many ${kind} requests: at most ${perSecond} a second after a burst of ${burst}. Try again in ${bucket.waitMs()} ms.`);
    };

    socket.on("focus", (raw, ackRaw) => {
      const ack = replier<PresenterFocus>(ackRaw);
      const limited = overLimit("focus");
      if (limited) return ack(limited);
      const parsed = presenterFocusSchema.safeParse(raw);
      if (!parsed.success) return ack(fail("bad-request", describeZodError(parsed.error)));
      if (!socket.data.presenter) return ack(fail("forbidden", "Only the presenter leads the audience"));
      const { scenarioId, traceId, comparisonId } = parsed.data;
      if (scenarioId !== null && scenarioId !== OBSERVED_ID && !engine.list().some((s) => s.id === scenarioId)) return ack(fail("not-found", `no scenario "${scenarioId}"`));
      if (comparisonId !== undefined && !comparisonById(comparisonId)) return ack(fail("not-found", `no comparison "${comparisonId}"`));
      focus = comparisonId !== undefined ? { scenarioId: null, traceId: null, comparisonId } : { scenarioId, traceId: scenarioId === null ? null : traceId };
      io.emit("focus", focus);
      ack({ ok: true, result: focus });
    });

    const guarded = <T>(raw: unknown, ackRaw: unknown, run: (scenarioId: string, body: unknown) => Promise<Result<T>> | Result<T>, needsPresenter: boolean) => {
      const ack = replier<T>(ackRaw);
      const limited = overLimit(needsPresenter ? "command" : "watch");
      if (limited) return ack(limited);
      const parsed = (needsPresenter ? commandRequestSchema : scenarioRequestSchema).safeParse(raw);
      if (!parsed.success) return ack(fail("bad-request", describeZodError(parsed.error)));
      if (needsPresenter && !socket.data.presenter) return ack(fail("forbidden", "Only the presenter can act"));
      const body = "command" in parsed.data ? parsed.data.command : undefined;
      Promise.resolve(run(parsed.data.scenarioId, body)).then(ack, (error: unknown) => {
        log.error({ err: error, socket: socket.id }, "Socket.IO request failed");
        ack(fail("internal", "Internal error; see the server log"));
      });
    };

    socket.on("watch", (raw, ack) =>
      guarded(raw, ack, (id) => {
        const snapshot = engine.snapshot(id);
        if (snapshot.ok) void socket.join(roomOf(id));
        return snapshot;
      }, false),
    );
    socket.on("unwatch", (raw) => {
      const parsed = scenarioRequestSchema.safeParse(raw);
      if (parsed.success) void socket.leave(roomOf(parsed.data.scenarioId));
    });
    socket.on("start", (raw, ack) => guarded({ ...asObject(raw), command: null }, ack, (id) => engine.start(id), true));
    socket.on("stop", (raw, ack) => guarded({ ...asObject(raw), command: null }, ack, (id) => engine.stop(id), true));
    socket.on("command", (raw, ack) => guarded(raw, ack, (id, command) => engine.command(id, command), true));
  });

  // One emit per room per batch: Socket.IO encodes a broadcast once for all its members, and
  // encodes it even for a room nobody is in, a sixth of the server's time at 20,000 hops/s.
  const watched = (room: string) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  engine.on("hops", (batch) => {
    const room = roomOf(batch.scenarioId);
    if (watched(room)) io.to(room).emit("hops", batch);
  });
  engine.on("state", (state) => io.to(roomOf(state.id)).emit("state", state));
  engine.on("reset", (scenarioId) => io.to(roomOf(scenarioId)).emit("reset", { scenarioId }));
  health.on("change", (report) => io.emit("health", report));
  return io;
}

function asObject(raw: unknown): Record<string, unknown> {
  return raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}
