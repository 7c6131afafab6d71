import { expect, test } from "@playwright/test";
import { connect, headers } from "nats";
import { supportsMessageTracing } from "../../lib/nats-trace";
import { INVENTORY_SUBJECT } from "../../server/scenarios/nats-request-reply/names";
import { openStartedScenario } from "./scenario-page";
import { NAMESPACE } from "./servers";
import { expectStageFloor } from "./stage-text";

/**
 * The broker's view on the scenario page: the presenter asks NATS what it saw published, the
 * ledger says the broker confirms the actors' reports, and a message published behind the actors'
 * backs turns that into a disagreement naming the message.
 */
const ID = "nats-request-reply";

test("the broker confirms what the actors published, then finds a message they never reported", async ({ page, request, browser }) => {
  await openStartedScenario(page, request, ID, "Send request");
  const panel = page.getByTestId("broker-view");
  await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check off");
  await panel.getByRole("button", { name: "Cross-check with the broker" }).click();
  await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check on");
  await expect(panel.getByTestId("broker-view-witnessed")).toHaveText("Witnessing NATS");
  await expect(panel.getByTestId("broker-view-blind-spot")).toContainText("not who sent it");
  // A NATS before 2.11 cannot say who got each message, and the panel says so.
  const probe = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  const version = probe.info?.version;
  await probe.close();
  if (supportsMessageTracing(version)) await expect(panel.getByTestId("broker-view-tracing")).toHaveCount(0);
  else await expect(panel.getByTestId("broker-view-tracing")).toContainText(`NATS ${version} does not trace messages`);

  await page.getByRole("button", { name: "Send request" }).click();
  await page.getByLabel("Burst size").fill("5");
  await page.getByRole("button", { name: "Send burst" }).click();
  const count = (cell: string) => panel.getByTestId(`broker-view-${cell}`).getByTestId("broker-view-value");
  await expect(count("both")).toHaveText("6");
  await expect(count("actors-only")).toHaveText("0");
  await expect(count("broker-only")).toHaveText("0");
  const verdict = page.getByTestId("ledger-broker-check");
  await expect(verdict).toHaveText("Confirmed by the broker: 6 of 6 published");

  // Another browser, opened after the switch, sees the same answer.
  const other = await browser.newPage();
  try {
    await other.goto(`/scenarios/${ID}`);
    await expect(other.getByTestId("broker-view").getByTestId("broker-view-state")).toHaveText("cross-check on");
    await expect(other.getByTestId("ledger-broker-check")).toHaveText("Confirmed by the broker: 6 of 6 published");
  } finally {
    await other.close();
  }

  // Published on the scenario's own subject, in this server's namespace, by no actor of it.
  const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  try {
    const h = headers();
    h.set("Hopscope-Message-Id", "behind-their-backs");
    nc.publish(`${NAMESPACE}.${INVENTORY_SUBJECT}`, JSON.stringify({ sku: "hidden" }), { headers: h });
    await nc.flush();
  } finally {
    await nc.close();
  }
  await expect(count("broker-only")).toHaveText("1");
  await expect(panel.getByTestId("broker-view-ids")).toContainText("behind-their-backs");
  await expect(verdict).toHaveText("The broker disagrees: 0 only the actors reported, 1 only the broker saw");

  // On stage the counts give way to the picture; the ledger's line stays, readable from the back.
  await page.getByRole("heading", { level: 1 }).click();
  await page.keyboard.press("f");
  await expect(page.getByTestId("page-root")).toHaveAttribute("data-stage", "on");
  await expect(verdict).toBeVisible();
  await expectStageFloor(page, ["ledger-panel"]);
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("page-root")).not.toHaveAttribute("data-stage", "on");

  await panel.getByRole("button", { name: "Stop cross-check" }).click();
  await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check off");
  await expect(verdict).toHaveCount(0);
  await request.post(`/api/scenarios/${ID}/stop`);
});

test("beside the counts, the panel shows what the broker itself holds: JetStream's settles and a Kafka group's lag", async ({ page, request }) => {
  const facts = [
    { id: "nats-jetstream", publish: "Store order", fact: "broker-view-settles", reads: /^Settles \(acks, naks, give-ups\): 1 heard by both$/ },
    // Caught up: the group has committed past the one record the topic holds since the switch.
    { id: "kafka-consumer-group", publish: "Send order event", fact: "broker-view-lag", reads: /^Kafka lag · group \S+ on \S+:\s*0\s*of [1-9]\d* written$/ },
  ];
  for (const { id, publish, fact, reads } of facts) {
    await openStartedScenario(page, request, id, publish);
    const panel = page.getByTestId("broker-view");
    await panel.getByRole("button", { name: "Cross-check with the broker" }).click();
    await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check on");
    await page.getByRole("button", { name: publish, exact: true }).click();
    await expect(page.getByTestId("ledger-broker-check")).toHaveText(/^Confirmed by the broker: 1 of 1 published/);
    // Read from the broker, not from any actor.
    await expect(panel.getByTestId(fact).first()).toHaveText(reads, { timeout: 20_000 });
    await panel.getByRole("button", { name: "Stop cross-check" }).click();
    await request.post(`/api/scenarios/${id}/stop`);
  }
});

test("a RabbitMQ work queue is witnessed through the firehose, which the panel says names connections but not acks", async ({ page, request }) => {
  const id = "rabbitmq-work-queue";
  await openStartedScenario(page, request, id, "Send job");
  const panel = page.getByTestId("broker-view");
  await panel.getByRole("button", { name: "Cross-check with the broker" }).click();
  await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check on");
  await expect(panel.getByTestId("broker-view-witnessed")).toHaveText("Witnessing RabbitMQ");
  await expect(panel.getByTestId("broker-view-blind-spot")).toContainText("acks show only in the queue's counters");
  await page.getByRole("button", { name: "Send job" }).click();
  await expect(page.getByTestId("ledger-broker-check")).toHaveText("Confirmed by the broker: 1 of 1 published", { timeout: 20_000 });
  // The acks the firehose cannot carry, as the queue counts them.
  await expect(panel.getByTestId("broker-view-queue").first()).toContainText(/\d+ ready\s*\d+ unacked\s*[1-9]\d* acked/, { timeout: 20_000 });
  await panel.getByRole("button", { name: "Stop cross-check" }).click();
  await expect(panel.getByTestId("broker-view-state")).toHaveText("cross-check off");
  await request.post(`/api/scenarios/${id}/stop`);
});

test("a scenario the taps cannot see has no broker's view", async ({ page }) => {
  await page.goto("/scenarios/grpc-inventory");
  await expect(page.getByTestId("ledger-panel")).toBeVisible();
  await expect(page.getByTestId("broker-view")).toHaveCount(0);
});
