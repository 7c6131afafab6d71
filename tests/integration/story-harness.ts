/** What the integration tests of the seeds' stories share: kills mid-story, legs, the broker's word. */
import { connect } from "amqplib";
import { expect } from "vitest";
import { isMessageHop, type Ledger, type MessageHop, type ScenarioState } from "../../lib/protocol";
import { api, everyHop, state, testNames, waitFor } from "./harness";

export function storyCommands(base: string, scenarioId: string) {
  return (body: unknown) => api<{ ok: boolean; result: Record<string, unknown>; error?: { code: string; message: string } }>(base, "POST", `/api/scenarios/${scenarioId}/commands`, body);
}

/**
 * Kills one actor of each role, each the moment it holds at least `held` deliveries it has not
 * settled: mid-burst, so the kill has something to show. Each role is caught on its own, since on a
 * busy machine two roles may never hold that many in the same instant.
 */
export async function killWhileHolding(base: string, scenarioId: string, roles: string[], held: number): Promise<string[]> {
  const command = storyCommands(base, scenarioId);
  const victims = new Map<string, string>();
  await waitFor(
    `a ${roles.join(" and a ")} each holding ${held} unsettled deliveries`,
    async () => {
      const hops = (await everyHop(base, scenarioId)).filter(isMessageHop);
      const actors = (await state(base, scenarioId)).actors.filter((a) => a.alive);
      // A server holds a call from its start to its status, as a consumer holds a delivery to its ack.
      const serverSide = (h: MessageHop) => h.call?.side === "server";
      const holding = (id: string) => {
        const got = hops.filter((h) => h.to === id && (h.kind === "delivered" || h.kind === "redelivered" || (h.kind === "call-started" && serverSide(h)))).length;
        const done = hops.filter((h) => h.from === id && (h.kind === "acked" || h.kind === "replied" || h.kind === "processed" || (h.kind === "status" && serverSide(h)))).length;
        return got - done >= held;
      };
      for (const role of roles.filter((r) => !victims.has(r))) {
        const victim = actors.find((a) => a.role === role && holding(a.id))?.id;
        if (victim === undefined) continue;
        expect((await command({ type: "kill-actor", actorId: victim })).status).toBe(200);
        victims.set(role, victim);
      }
      return victims.size === roles.length;
    },
    20_000,
    20,
  );
  return roles.map((role) => victims.get(role) as string);
}

/** Waits until `actions` business actions have all ended: none in flight. */
export async function storySettled(base: string, scenarioId: string, actions: number, timeoutMs = 90_000): Promise<ScenarioState> {
  return waitFor(
    `every one of ${actions} actions to end`,
    async () => {
      const s = await state(base, scenarioId);
      return s.ledger.published === actions && s.ledger.inFlight === 0 ? s : undefined;
    },
    timeoutMs,
    200,
  );
}

export function legOf(ledger: Ledger, name: string): Ledger {
  const leg = ledger.legs?.find((l) => l.name === name)?.ledger;
  if (!leg) throw new Error(`no leg ${name}`);
  return leg;
}

/** The broker's own word: how many messages each queue (in the test namespace) still holds. */
export async function queueDepths(queues: readonly string[]): Promise<number[]> {
  const connection = await connect("amqp://guest:guest@127.0.0.1:5672");
  try {
    const channel = await connection.createChannel();
    const depths: number[] = [];
    for (const queue of queues) depths.push((await channel.checkQueue(testNames.name(queue))).messageCount);
    return depths;
  } finally {
    await connection.close();
  }
}
