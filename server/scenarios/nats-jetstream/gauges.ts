import type { JetStreamManager, NatsConnection } from "nats";
import { connectNats } from "../../brokers/nats";
import type { GaugeReader } from "../model";
import type { Namespace } from "../../brokers/namespace";
import { CONSUMER_CHANNEL_ID, ordersStreamNames, STREAM_CHANNEL_ID } from "./names";

/** What the stream holds and what the consumer has out, as JetStream counts them. */
export function jetstreamGauges(url: string, namespace: Namespace): GaugeReader {
  const names = ordersStreamNames(namespace);
  let open: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | null = null;
  return {
    async read() {
      const opening = (open ??= connectNats({ url, name: "hopscope-gauges" }).then(async (nc) => ({ nc, jsm: await nc.jetstreamManager() })));
      const { jsm } = await opening.catch((error: unknown) => {
        // JetStream not enabled, say: try afresh next time rather than keep a failed promise.
        if (open === opening) open = null;
        throw error;
      });
      const [stream, consumer] = await Promise.all([jsm.streams.info(names.stream), jsm.consumers.info(names.stream, names.consumer)]);
      return {
        [STREAM_CHANNEL_ID]: { stored: stream.state.messages },
        [CONSUMER_CHANNEL_ID]: { ready: consumer.num_pending, unacked: consumer.num_ack_pending, pulls: consumer.num_waiting },
      };
    },
    async close() {
      const stale = open;
      open = null;
      // Not awaited: a connection still waiting for a broker that is down may never settle.
      void stale?.then(({ nc }) => nc.close()).catch(() => undefined);
    },
  };
}
