import type { JetStreamManager, NatsConnection } from "nats";
import type { MessageHop } from "../../../lib/protocol";
import type { Namespace } from "../../brokers/namespace";
import { connectNats, MESSAGE_ID_HEADER } from "../../brokers/nats";
import type { Fate, FateReader, FateSource } from "../model";
import { ORDERS_STREAM, ordersStreamNames, TERMINATED_CHANNEL_ID, terminatedReason } from "./names";
import { isNotFound, notFoundAsNull } from "./stream";

/** How long past a last delivery's ack wait its max-deliveries advisory may take to be reported. */
const ADVISORY_GRACE_MS = 1_000;

const HELD: Fate = { status: "held" };
const ACKED: Fate = { status: "acked", reason: "JetStream has its ack (the work-queue stream let go of it); the worker died before reporting it" };
const GONE_WITH_STREAM: Fate = { status: "gone", reason: `the stream ${ORDERS_STREAM} was deleted or made again: JetStream lost it with the stream` };

/**
 * What JetStream did with messages a dead worker held. The stream keeps work-queue retention,
 * so it holds exactly the messages nobody has acked: one it no longer has was acked.
 */
export function jetstreamFates(url: string, namespace: Namespace): FateReader {
  const names = ordersStreamNames(namespace);
  let open: Promise<{ nc: NatsConnection; jsm: JetStreamManager }> | null = null;
  const connection = () => {
    const opening = (open ??= connectNats({ url, name: "hopscope-fates" }).then(async (nc) => ({ nc, jsm: await nc.jetstreamManager() })));
    return opening.catch((error: unknown) => {
      // Try afresh next time rather than keep a failed promise.
      if (open === opening) open = null;
      throw error;
    });
  };

  const fateOf = async (jsm: JetStreamManager, delivery: MessageHop, streamCreated: number, settings: Record<string, number>): Promise<Fate> => {
    // Made again since the delivery: its sequence numbers name other messages now.
    if (streamCreated > delivery.at) return GONE_WITH_STREAM;
    const seq = Number(delivery.message.offset);
    if (!Number.isSafeInteger(seq) || seq <= 0) return HELD;
    let stored;
    try {
      stored = await jsm.streams.getMessage(names.stream, { seq });
    } catch (error) {
      return isNotFound(error) ? ACKED : HELD;
    }
    if (stored.header.get(MESSAGE_ID_HEADER) !== delivery.message.id) return GONE_WITH_STREAM;
    // Its last allowed delivery, unacked well past the ack wait: JetStream has given up on it.
    // The publisher reports that from JetStream's advisory, but an advisory is not stored, and
    // one sent while the publisher was reconnecting is missed.
    const { maxDeliver, ackWaitMs } = settings;
    const lastDelivery = maxDeliver !== undefined && delivery.message.attempt >= maxDeliver;
    if (lastDelivery && ackWaitMs !== undefined && Date.now() - delivery.at > ackWaitMs + ADVISORY_GRACE_MS) {
      return { status: "dead-lettered", reason: terminatedReason(delivery.message.attempt), to: TERMINATED_CHANNEL_ID };
    }
    return HELD;
  };

  return {
    async fates(deliveries, settings) {
      const { jsm } = await connection();
      const stream = await jsm.streams.info(names.stream).catch(notFoundAsNull);
      if (!stream) return deliveries.map(() => GONE_WITH_STREAM);
      const created = Date.parse(stream.created);
      return Promise.all(deliveries.map((delivery) => fateOf(jsm, delivery, created, settings)));
    },
    async close() {
      const stale = open;
      open = null;
      // Not awaited: a connection still waiting for a broker that is down may never settle.
      void stale?.then(({ nc }) => nc.close()).catch(() => undefined);
    },
  };
}

export const jetstreamFateSource: FateSource = {
  transport: "nats",
  open: jetstreamFates,
  // By then JetStream has delivered it again (its hop has arrived), or has given up on it.
  recheckMs: (settings) => (settings.ackWaitMs ?? 30_000) + ADVISORY_GRACE_MS,
};
