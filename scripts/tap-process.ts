/**
 * A Hopscope server with one broker tap on, in a process of its own, for `npm run bench --
 * --only taps`: the tap costs the machine what it would cost beside the applications it watches,
 * not the measuring process's own event loop. Answers "ready" once the tap listens, and how many
 * hops the tap saw when asked.
 */
import { hostname } from "node:os";
import { z } from "zod";
import { createHopscope } from "../server/app";
import { hostSlug } from "../server/brokers/namespace";
import { loadConfig } from "../server/config";
import { SCENARIOS } from "../server/scenarios";
import { BrokerTaps, tapTargetsSchema } from "../server/taps";

async function main(): Promise<void> {
  const targets = tapTargetsSchema.parse(JSON.parse(process.argv[2] ?? "null"));
  const config = loadConfig({ ...process.env, PORT: "0", HOST: "127.0.0.1", HOPSCOPE_NAMESPACE: `${hostSlug(hostname())}-taps` });
  const hopscope = await createHopscope({ config, scenarios: SCENARIOS });
  let seen = 0;
  const taps = new BrokerTaps(config.urls, (hops) => {
    seen += hops.length;
    hopscope.engine.ingestObserved(hops);
  }, config.rabbitmqManagement);
  await taps.set(targets);
  process.on("message", (raw: unknown) => {
    if (z.object({ t: z.literal("seen") }).safeParse(raw).success) process.send?.({ seen });
  });
  process.on("disconnect", () => void Promise.allSettled([taps.close(), hopscope.close()]).finally(() => process.exit(0)));
  process.send?.({ ready: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
