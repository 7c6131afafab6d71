import { expect, test, type Page } from "@playwright/test";
import { connect as connectAmqp } from "amqplib";
import Redis from "ioredis";
import { connect } from "nats";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { NAMESPACE } from "./servers";
import { expectStageFloor } from "./stage-text";

/**
 * The observe page against the real brokers: taps started from the page see what plain clients,
 * outside Hopscope, publish; the broker's unknown publisher is drawn as Hopscope's guess.
 */
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const NATS_UNKNOWN = "nats publisher (unknown)";
const REDIS_UNKNOWN = "redis publisher (unknown)";

test.afterEach(async ({ request }) => {
  await request.post("/api/observe/taps", { data: {} });
});

async function openObserve(page: Page) {
  await page.goto("/observe");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-status", "online");
  await expect(page.getByTestId("taps-off")).toBeVisible();
}

test("taps started on the page show what plain clients publish on a NATS subject and a Redis channel, and the session replays", async ({ page }) => {
  // Names of this run's own: other programs on the same brokers never land in them.
  const run = randomBytes(4).toString("hex");
  const subject = `${NAMESPACE}.${run}.orders.created`;
  const channel = `${NAMESPACE}:${run}:alerts`;
  await openObserve(page);

  await page.getByLabel("NATS subjects").fill(`${NAMESPACE}.${run}.orders.>`);
  await page.getByLabel("Redis channels").fill(`${NAMESPACE}:${run}:*`);
  await page.getByRole("button", { name: "Start taps" }).click();
  await expect(page.getByTestId("taps-on")).toContainText(`${NAMESPACE}.${run}.orders.>`);
  await expect(page.getByTestId("taps-on")).toContainText(`${NAMESPACE}:${run}:*`);

  await page.getByRole("button", { name: "● Record" }).click();
  const nc = await connect({ servers: NATS_URL, name: "e2e-orders-app" });
  const redis = new Redis(REDIS_URL);
  try {
    nc.publish(subject, JSON.stringify({ order: 1 }));
    await nc.flush();
    await redis.publish(channel, JSON.stringify({ messageId: `alert-${run}`, level: "high" }));
  } finally {
    await nc.close();
    redis.disconnect();
  }

  const topology = page.getByTestId("topology");
  await expect(topology.getByTestId(`node-nats:${subject}`)).toContainText(subject);
  await expect(topology.getByTestId(`node-redis:${channel}`)).toContainText(channel);
  for (const [unknown, broker] of [[NATS_UNKNOWN, "NATS"], [REDIS_UNKNOWN, "Redis"]] as const) {
    const node = topology.getByTestId(`node-${unknown}`);
    await expect(node).toHaveAttribute("data-inferred", "true");
    await expect(node).toContainText(`unknown${broker} publisher`);
  }
  // Each publisher is a guess, so each edge and arrow from it is drawn as one. The observed
  // traffic is the server's, not this test's: only this run's destinations are counted.
  for (const [unknown, destination] of [[NATS_UNKNOWN, `nats:${subject}`], [REDIS_UNKNOWN, `redis:${channel}`]] as const) {
    await expect(topology.locator(`.react-flow__edge[data-id="${unknown}->${destination}"]`)).toHaveClass(/is-inferred/);
  }
  const sequence = page.getByTestId("sequence");
  for (const destination of [subject, channel]) {
    const arrow = sequence.locator(`[data-testid="arrow"][data-kind="published"][aria-label$="to ${destination}"]`);
    await expect(arrow).toHaveCount(1);
    await expect(arrow).toHaveAttribute("data-inferred", "true");
  }
  // The id the message carries is kept.
  await expect(sequence.locator(`[data-testid="arrow"][data-trace="alert-${run}"]`)).toHaveCount(1);

  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "■ Stop and save" }).click();
  const recording = await (await downloading).path();
  const text = await readFile(recording, "utf8");
  expect(text.split("\n").filter((line) => line.trim() !== "")).toHaveLength(3);

  await page.getByRole("button", { name: "Stop taps" }).click();
  await expect(page.getByTestId("taps-off")).toBeVisible();

  await page.goto("/replay");
  await page.getByLabel("Recording file").setInputFiles({ name: "observe.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(text) });
  await expect(page.getByTestId("replay-bar")).toBeVisible();
  await expect(page.getByTestId("observe")).toBeVisible();
  await page.getByTestId("replay-bar").getByRole("button", { name: "▶ Play" }).click();
  await expect(page.getByTestId("replay-hops")).toHaveText("2 of 2 hops", { timeout: 20_000 });
  await expect(page.getByTestId("topology").getByTestId(`node-${NATS_UNKNOWN}`)).toHaveAttribute("data-inferred", "true");
  await expect(page.getByTestId("topology").getByTestId(`node-redis:${channel}`)).toBeVisible();

  // On a projector: the picture, the guesses and the legend all at 16 px or more.
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("f");
  await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
  await page.waitForTimeout(800);
  await expectStageFloor(page, ["topology", "sequence", "observed-legend"]);
});

test("a malformed NATS subject is refused with the server's 400, and a missing Kafka topic with its 404, each next to its field, and no tap starts", async ({ page }) => {
  await openObserve(page);
  await page.getByLabel("NATS subjects").fill("orders..created");
  await page.getByRole("button", { name: "Start taps" }).click();
  const error = page.getByTestId("tap-error-nats");
  await expect(error).toContainText("400");
  await expect(error).toContainText("a NATS subject");
  await expect(page.getByLabel("NATS subjects")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("taps-off")).toBeVisible();

  // A topic Kafka does not have is the Kafka field's 404; the NATS field's error is gone.
  const missing = `${NAMESPACE}.no-such-topic-${randomBytes(4).toString("hex")}`;
  await page.getByLabel("NATS subjects").fill("");
  await page.getByLabel("Kafka topics").fill(missing);
  await page.getByRole("button", { name: "Start taps" }).click();
  await expect(page.getByTestId("tap-error-kafka")).toContainText(`404: Kafka has no topic ${missing}`, { timeout: 20_000 });
  await expect(page.getByTestId("tap-error-nats")).toHaveCount(0);
  await expect(page.getByTestId("taps-off")).toBeVisible();
});

test("watched through MONITOR, a Redis publisher is drawn under the name Redis knows it by, as observed, and the page says what MONITOR costs", async ({ page }) => {
  const run = randomBytes(4).toString("hex");
  const channel = `${NAMESPACE}:${run}:alerts`;
  await openObserve(page);
  await page.getByLabel("Redis channels").fill(`${NAMESPACE}:${run}:*`);
  await page.getByTestId("tap-redis-monitor").check();
  await page.getByRole("button", { name: "Start taps" }).click();
  await expect(page.getByTestId("taps-on")).toContainText("MONITOR");

  const redis = new Redis(REDIS_URL, { connectionName: `alerts-app-${run}` });
  try {
    await redis.publish(channel, JSON.stringify({ messageId: `alert-${run}` }));
  } finally {
    redis.disconnect();
  }
  const node = page.getByTestId("topology").getByTestId(`node-alerts-app-${run}`);
  await expect(node).toBeVisible();
  await expect(node).not.toHaveAttribute("data-inferred", "true");
  await expect(page.getByTestId("topology").locator(`.react-flow__edge[data-id="alerts-app-${run}->redis:${channel}"]`)).not.toHaveClass(/is-inferred/);
});

test("a RabbitMQ queue tapped on the page shows its publisher and consumer by their connection names, the page says what the firehose costs, and a missing queue is the field's 404", async ({ page }) => {
  const run = randomBytes(4).toString("hex");
  const queue = `${NAMESPACE}.${run}.invoices`;
  await openObserve(page);
  await expect(page.getByTestId("tap-rabbitmq-cost")).toContainText("costs RabbitMQ throughput");

  await page.getByLabel("RabbitMQ queues").fill(`${queue}.missing`);
  await page.getByRole("button", { name: "Start taps" }).click();
  await expect(page.getByTestId("tap-error-rabbitmq")).toContainText(`404: RabbitMQ has no queue ${queue}.missing`, { timeout: 20_000 });
  await expect(page.getByTestId("taps-off")).toBeVisible();

  const admin = await connectAmqp(AMQP_URL);
  const publisher = await connectAmqp(AMQP_URL, { clientProperties: { connection_name: `billing-${run}` } });
  const consumer = await connectAmqp(AMQP_URL, { clientProperties: { connection_name: `worker-${run}` } });
  try {
    await (await admin.createChannel()).assertQueue(queue, { durable: false, autoDelete: true });
    await page.getByLabel("RabbitMQ queues").fill(queue);
    await page.getByRole("button", { name: "Start taps" }).click();
    await expect(page.getByTestId("taps-on")).toContainText(`RabbitMQ ${queue}`);
    await expect(page.getByTestId("taps-on")).toContainText("RabbitMQ firehose on");
    await expect(page.getByTestId("tap-error-rabbitmq")).toHaveCount(0);

    const worker = await consumer.createChannel();
    await worker.consume(queue, (msg) => msg && worker.ack(msg));
    const billing = await publisher.createConfirmChannel();
    billing.sendToQueue(queue, Buffer.from("{}"), { messageId: `invoice-${run}` });
    await billing.waitForConfirms();

    // The management API names a new connection within its statistics round, up to 5 s.
    const topology = page.getByTestId("topology");
    await expect(topology.getByTestId(`node-billing-${run}`)).toBeVisible({ timeout: 20_000 });
    await expect(topology.getByTestId(`node-worker-${run}`)).toBeVisible({ timeout: 20_000 });
    await expect(topology.getByTestId(`node-billing-${run}`)).not.toHaveAttribute("data-inferred", "true");
  } finally {
    await Promise.allSettled([admin.close(), publisher.close(), consumer.close()]);
  }
});
