import { describe, expect, test } from "vitest";
import { isMessageHop } from "../../lib/protocol";
import { allHops, api, hopscopeForFile, waitFor } from "./harness";

/**
 * The bench's "without" side: actors that count their hops instead of sending them. Its
 * throughput figure means something only if nothing reaches the server meanwhile and every hop
 * is still counted.
 */
const ID = "nats-request-reply";
const server = hopscopeForFile();

const command = (body: unknown) => api<{ ok: boolean }>(server.base, "POST", `/api/scenarios/${ID}/commands`, body);

describe("hop reporting counted in the actors", () => {
  test("counted, the server hears none of a burst's hops and the tally has all of them; back on, they flow again", async () => {
    const engine = server.hopscope.engine;
    expect((await api(server.base, "POST", `/api/scenarios/${ID}/start`)).status).toBe(200);
    expect((await command({ type: "set", delayMs: 0, timeoutMs: 5_000, retries: 0 })).status).toBe(200);
    expect((await command({ type: "reset" })).status).toBe(200);

    expect((await engine.tallyHops(ID, "count")).ok).toBe(true);
    const startedAt = Date.now();
    expect((await command({ type: "publish", count: 40 })).status).toBe(200);
    const counts: Record<string, number> = {};
    let lastAt = 0;
    await waitFor("40 replies counted", async () => {
      const tally = await engine.tallyHops(ID, "count");
      if (!tally.ok) return undefined;
      for (const [kind, n] of Object.entries(tally.result.counts)) counts[kind] = (counts[kind] ?? 0) + n;
      lastAt = Math.max(lastAt, tally.result.lastAt);
      return (counts["reply-received"] ?? 0) >= 40 ? true : undefined;
    });
    expect(counts).toMatchObject({ published: 40, delivered: 40, replied: 40, "reply-received": 40 });
    expect(lastAt).toBeGreaterThanOrEqual(startedAt);
    expect((await allHops(server.base, ID)).filter(isMessageHop)).toHaveLength(0);

    // Switching back ends the tally: what was counted is handed over once, then hops are sent.
    const ended = await engine.tallyHops(ID, "on");
    expect(ended.ok && Object.keys(ended.result.counts)).toEqual([]);
    expect((await command({ type: "publish", count: 5 })).status).toBe(200);
    const received = await waitFor("5 replies reported", async () => {
      const hops = (await allHops(server.base, ID)).filter((h) => isMessageHop(h) && h.kind === "reply-received");
      return hops.length >= 5 ? hops : undefined;
    });
    expect(received).toHaveLength(5);
  });
});
