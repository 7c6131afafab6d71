import { describe, expect, test } from "vitest";
import type { PeekResult } from "../../lib/protocol";
import { namespace } from "../brokers/namespace";
import { PeekRefusal, type PeekReader, type PeekSource } from "../scenarios/model";
import { PeekDesk } from "./peek";

const QUEUE: PeekResult = { kind: "queue", target: "dlq", label: "emails.dlq", at: 1, method: "looked", total: 0, messages: [] };

function source(peek: PeekReader["peek"], closed: string[] = []): PeekSource {
  return { transport: "rabbitmq", targets: [{ id: "dlq", label: "emails.dlq" }], open: () => ({ peek, close: async () => void closed.push("closed") }) };
}

describe("peek desk", () => {
  test("runs one peek at a time, each on a reader of its own that is closed after", async () => {
    const log: string[] = [];
    let inside = 0;
    const desk = new PeekDesk(
      source(async (target, limit) => {
        inside++;
        log.push(`start ${limit} (${inside} inside)`);
        await new Promise((r) => setTimeout(r, 20));
        inside--;
        log.push(`end ${limit}`);
        return { ...QUEUE, target };
      }, log),
      "amqp://x",
      namespace("t"),
      () => ({}),
    );
    const answers = await Promise.all([desk.peek("dlq", 1), desk.peek("dlq", 2)]);
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(log).toEqual(["start 1 (1 inside)", "end 1", "closed", "start 2 (1 inside)", "end 2", "closed"]);
  });

  test("a refusal keeps its code and words; any other failure is told without the broker's message", async () => {
    const refused = new PeekDesk(source(() => Promise.reject(new PeekRefusal("not-found", "emails.dlq does not exist yet"))), "amqp://x", namespace("t"), () => ({}));
    expect(await refused.peek("dlq", 5)).toEqual({ ok: false, error: { code: "not-found", message: "emails.dlq does not exist yet" } });
    const broken = new PeekDesk(source(() => Promise.reject(new Error("secret internals"))), "amqp://x", namespace("t"), () => ({}));
    const answer = await broken.peek("dlq", 5);
    expect(answer.ok).toBe(false);
    expect(JSON.stringify(answer)).not.toContain("secret");
  });

  test("a broker that does not answer in time is reported down, and the next peek waits for the stuck read", async () => {
    let release = () => undefined as void;
    let calls = 0;
    const desk = new PeekDesk(
      source(() => {
        calls++;
        return calls === 1 ? new Promise<PeekResult>((resolve) => (release = () => resolve(QUEUE))) : Promise.resolve(QUEUE);
      }),
      "amqp://x",
      namespace("t"),
      () => ({}),
      30,
    );
    expect(await desk.peek("dlq", 5)).toMatchObject({ ok: false, error: { code: "broker-down" } });
    const next = desk.peek("dlq", 5);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    release();
    expect(await next).toMatchObject({ ok: true });
    expect(calls).toBe(2);
  });

  test("an answer outside the contract (too many messages) is not passed on", async () => {
    const messages = Array.from({ length: 51 }, (_, i) => ({ position: i + 1, messageId: null, preview: "", size: 0, death: null, attempts: null }));
    const desk = new PeekDesk(source(async () => ({ ...QUEUE, total: 51, messages })), "amqp://x", namespace("t"), () => ({}));
    expect(await desk.peek("dlq", 50)).toMatchObject({ ok: false, error: { code: "internal" } });
  });
});
