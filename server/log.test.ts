import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { loadLogLevel } from "./config";
import { actorLogger, createLogger } from "./log";

/** Both writers are synchronous, so the lines are there as soon as the call returns. */
function collector() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return Object.assign(stream, { lines });
}

const RESPONDER = { id: "responder-2", role: "responder", scenarioId: "nats-request-reply" };

describe("logger", () => {
  test("every JSON line from an actor's logger names the actor, its role and its scenario", () => {
    const out = collector();
    const actor = actorLogger(createLogger({ level: "info", pretty: false, destination: out }), RESPONDER);
    actor.warn("channel error: closed");
    actor.child({ attempt: 2 }).error("pull failed");
    expect(out.lines).toHaveLength(2);
    const [first, second] = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 40, actor: "responder-2", role: "responder", scenario: "nats-request-reply", msg: "channel error: closed" });
    expect(second).toMatchObject({ level: 50, actor: "responder-2", attempt: 2, msg: "pull failed" });
  });

  test("lines from the server itself carry no actor", () => {
    const out = collector();
    createLogger({ level: "info", pretty: false, destination: out }).info("listening");
    expect(JSON.parse(out.lines[0]!)).not.toHaveProperty("actor");
  });

  test("pretty lines for a terminal lead with the actor id", () => {
    const out = collector();
    actorLogger(createLogger({ level: "info", pretty: true, destination: out }), RESPONDER).warn("exiting so a fresh actor replaces me");
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/WARN.*\[responder-2\] exiting so a fresh actor replaces me$/);
  });

  test("the level drops what is below it", () => {
    const out = collector();
    const logger = createLogger({ level: "warn", pretty: false, destination: out });
    logger.info("chatter");
    logger.warn("worth a line");
    expect(out.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(["worth a line"]);
  });
});

describe("log level", () => {
  test("comes from LOG_LEVEL, and a bad value falls back to info rather than failing an actor", () => {
    expect(loadLogLevel({ LOG_LEVEL: "debug" })).toBe("debug");
    expect(loadLogLevel({ LOG_LEVEL: "loud" })).toBe("info");
    expect(loadLogLevel({})).toBe("info");
  });
});
