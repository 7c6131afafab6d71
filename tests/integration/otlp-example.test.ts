import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { describe, expect, test } from "vitest";
import { isMessageHop, type MessageHop } from "../../lib/protocol";
import { api, hopscopeForFile, TEST_NAMESPACE, waitFor } from "./harness";

/**
 * The example services, instrumented with OpenTelemetry's own amqplib and kafkajs
 * instrumentations, send their spans to Hopscope: their traffic must come out as hops, each
 * delivery tied to its publish.
 */
const server = hopscopeForFile();
const ORDERS = 4;

function run(role: string, prefix: string): { child: ChildProcess; output: () => string } {
  const child = spawn("npx", ["tsx", "examples/otel-orders/app.ts", role, "--orders", String(ORDERS), "--prefix", prefix, "--hopscope", server.base], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function exited(process: { child: ChildProcess; output: () => string }): Promise<void> {
  const [code] = (await once(process.child, "exit")) as [number | null];
  expect(code, process.output()).toBe(0);
}

describe("an app instrumented with OpenTelemetry", () => {
  test("its amqplib and kafkajs spans become hops: each delivery tied to its publish, named by service", async () => {
    const prefix = `${TEST_NAMESPACE}-otel-${Date.now().toString(36)}`;
    const mailer = run("mailer", prefix);
    await waitFor("the mailer to listen", () => (mailer.output().includes("ready") ? true : undefined), 60_000, 100);
    const checkout = run("checkout", prefix);
    await exited(checkout);
    await exited(mailer);
    expect(mailer.output()).toContain(JSON.stringify({ emails: ORDERS, events: ORDERS }));

    const queue = `rabbitmq:${prefix}.order-emails`.slice(0, 64);
    const topic = `kafka:${prefix}.order-events`.slice(0, 64);
    const hops = await waitFor(
      "every span's hops",
      async () => {
        const { body } = await api<{ hops: MessageHop[] }>(server.base, "GET", "/api/observe/hops?since=0");
        const ours = body.hops.filter((h) => isMessageHop(h) && (h.to === queue || h.from === queue || h.to === topic || h.from === topic));
        const published = ours.filter((h) => h.kind === "published").length;
        const delivered = ours.filter((h) => h.kind === "delivered").length;
        return published >= 2 * ORDERS && delivered >= 2 * ORDERS ? ours : undefined;
      },
      30_000,
      200,
    );
    for (const channel of [queue, topic]) {
      const published = hops.filter((h) => h.kind === "published" && h.to === channel);
      const delivered = hops.filter((h) => h.kind === "delivered" && h.from === channel);
      expect(published.map((h) => h.from)).toEqual(Array(ORDERS).fill("checkout"));
      expect(delivered.map((h) => h.to)).toEqual(Array(ORDERS).fill("mailer"));
      // The consumer's span names the producer's: the same message on both sides.
      expect(new Set(delivered.map((h) => h.message.id))).toEqual(new Set(published.map((h) => h.message.id)));
      expect(hops.filter((h) => h.kind === "processed" && h.to === channel)).toHaveLength(ORDERS);
      expect(hops.every((h) => h.source === "otlp")).toBe(true);
    }
  }, 120_000);
});
