import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CommandResult } from "../../lib/protocol";
import type { Hopscope } from "../../server/app";
import { MAX_BODY_BYTES, SOCKET_RATE_LIMITS } from "../../server/options";
import { api, socketClient, startHopscope, type TypedClient } from "./harness";

const ID = "nats-request-reply";
const FIVE_MB = 5 * 1024 * 1024;

/** A client for whom a hung command is a failure: the ack must come within this. */
const PROMPT_MS = 5_000;

function connected(client: TypedClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once("hello", () => resolve());
    client.once("connect_error", reject);
  });
}

describe("limits", () => {
  let hopscope: Hopscope;
  let base: string;
  const clients: TypedClient[] = [];
  beforeAll(async () => {
    ({ hopscope, base } = await startHopscope());
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await hopscope.close();
  });

  describe("an oversized body", () => {
    // fetch is undici: a reset while it is still sending surfaces as "fetch failed", not a status.
    // Answering before the body is in made about a third of 200 KB to 1 MB uploads end in a reset
    // on loopback, so each size is tried a few times.
    test.each([
      ["200 KB", 200 * 1024],
      ["1 MB", 1024 * 1024],
      ["5 MB", FIVE_MB],
    ])("of %s gets a 413 in the API's error shape, and the connection closes cleanly", async (_label, size) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await fetch(`${base}/api/scenarios/${ID}/commands`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "publish", payload: "x".repeat(size) }),
        });
        expect(res.status).toBe(413);
        expect(res.headers.get("connection")).toBe("close");
        expect(await res.json()).toEqual({ ok: false, error: { code: "too-large", message: `body: larger than ${MAX_BODY_BYTES} bytes` } });
      }
    });

    test("streamed without a length is refused the same way once it passes the limit", async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x78);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= FIVE_MB) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const res = await fetch(`${base}/api/scenarios/${ID}/start`, { method: "POST", body, duplex: "half" } as RequestInit & { duplex: "half" });
      expect(res.status).toBe(413);
      expect(((await res.json()) as CommandResult).ok).toBe(false);
      expect(sent).toBe(FIVE_MB);
    });

    test("leaves the server answering, and a body at the limit is still read", async () => {
      const command = JSON.stringify({ type: "reset" });
      const padded = command + " ".repeat(MAX_BODY_BYTES - command.length);
      expect(Buffer.byteLength(padded)).toBe(MAX_BODY_BYTES);
      const res = await api<CommandResult>(base, "POST", `/api/scenarios/${ID}/commands`, padded);
      expect(res.status).toBe(200);
      expect((await api(base, "GET", "/api/health")).status).toBe(200);
    });
  });

  describe("a Socket.IO client that floods", () => {
    test("gets rate-limited acks for commands while another client's commands go through promptly", async () => {
      expect((await api(base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
      const flooder = socketClient(base);
      const presenter = socketClient(base);
      clients.push(flooder, presenter);
      await Promise.all([connected(flooder), connected(presenter)]);

      // Twenty commands every 5 ms, without waiting for answers, for as long as the presenter clicks.
      const pending: Promise<CommandResult>[] = [];
      const floodStarted = performance.now();
      const flooding = setInterval(() => {
        for (let i = 0; i < 20; i++) pending.push(flooder.timeout(60_000).emitWithAck("command", { scenarioId: ID, command: { type: "publish" } }));
      }, 5);

      // A presenter clicking "publish" five times a second, right through the flood.
      const latencies: number[] = [];
      const answers: CommandResult[] = [];
      for (let click = 0; click < 10; click++) {
        const sent = performance.now();
        answers.push(await presenter.timeout(PROMPT_MS).emitWithAck("command", { scenarioId: ID, command: { type: "publish" } }));
        latencies.push(performance.now() - sent);
        await new Promise((r) => setTimeout(r, 200));
      }

      clearInterval(flooding);
      const floodSeconds = (performance.now() - floodStarted) / 1000;
      const flooded = await Promise.all(pending);
      const FLOOD = flooded.length;
      const refused = flooded.filter((a) => !a.ok && a.error.code === "rate-limited");
      const accepted = flooded.filter((a) => a.ok);
      console.log(
        `flood: ${FLOOD} commands, ${accepted.length} accepted, ${refused.length} rate-limited in ${floodSeconds.toFixed(2)} s; ` +
          `presenter acks: max ${Math.max(...latencies).toFixed(1)} ms, median ${latencies.sort((a, b) => a - b)[5]!.toFixed(1)} ms`,
      );

      expect(answers.every((a) => a.ok)).toBe(true);
      const { burst, perSecond } = SOCKET_RATE_LIMITS.command;
      expect(accepted.length).toBeLessThanOrEqual(burst + Math.ceil(perSecond * floodSeconds));
      expect(refused.length + accepted.length).toBe(FLOOD);
      const first = refused[0];
      expect(first && !first.ok && first.error.message).toMatch(new RegExp(`^Too many command requests: at most ${perSecond} a second after a burst of ${burst}\\. Try again in \\d+ ms\\.$`));
    });

    test("gets rate-limited acks for watch, and is let through again once it slows down", async () => {
      const flooder = socketClient(base);
      const watcher = socketClient(base);
      clients.push(flooder, watcher);
      await Promise.all([connected(flooder), connected(watcher)]);

      const flooded = await Promise.all(Array.from({ length: 200 }, () => flooder.timeout(60_000).emitWithAck("watch", { scenarioId: ID })));
      expect(flooded.filter((a) => a.ok).length).toBeLessThanOrEqual(SOCKET_RATE_LIMITS.watch.burst + 5);
      expect(flooded.filter((a) => !a.ok && a.error.code === "rate-limited").length).toBeGreaterThan(150);
      // Starting, stopping and commands have their own allowance.
      expect((await flooder.timeout(PROMPT_MS).emitWithAck("command", { scenarioId: ID, command: { type: "reset" } })).ok).toBe(true);
      // Its neighbour was never held back.
      expect((await watcher.timeout(PROMPT_MS).emitWithAck("watch", { scenarioId: ID })).ok).toBe(true);

      await new Promise((r) => setTimeout(r, 1000 / SOCKET_RATE_LIMITS.watch.perSecond + 50));
      expect((await flooder.timeout(PROMPT_MS).emitWithAck("watch", { scenarioId: ID })).ok).toBe(true);
    });
  });
});
