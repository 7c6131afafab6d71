import { connectAmqpOnce, managementQueue } from "../../brokers/rabbitmq";
import type { GaugeReader } from "../model";
import type { Namespace } from "../../brokers/namespace";
import { DLQ_CHANNEL_ID, JOB_CHANNEL_ID, jobQueueNames, RETRY_CHANNEL_ID } from "./names";

/**
 * Queue depths as the broker counts them (checkQueue over AMQP, exact and current), and the
 * job queue's unacked count from the management API when it is enabled (it samples every few
 * seconds).
 */
export function queueGauges(url: string, names: Namespace): GaugeReader {
  const queues = jobQueueNames(names);
  let open: ReturnType<typeof connectAmqpOnce> | null = null;
  const forget = () => {
    const stale = open;
    open = null;
    void stale?.then(({ connection }) => connection.close()).catch(() => undefined);
  };
  return {
    async read() {
      open ??= connectAmqpOnce(url, "hopscope-gauges");
      try {
        const { channel } = await open;
        const [jobs, retry, parked, stats] = await Promise.all([
          channel.checkQueue(queues.job),
          channel.checkQueue(queues.retry),
          channel.checkQueue(queues.deadLetter),
          managementQueue(url, queues.job),
        ]);
        const job: Record<string, number> = { ready: jobs.messageCount, consumers: jobs.consumerCount };
        if (stats) job.unacked = stats.unacked;
        return { [JOB_CHANNEL_ID]: job, [RETRY_CHANNEL_ID]: { waiting: retry.messageCount }, [DLQ_CHANNEL_ID]: { parked: parked.messageCount } };
      } catch (error) {
        // A queue not declared yet closes the channel, a restart the connection: start afresh.
        forget();
        throw error;
      }
    },
    async close() {
      forget();
    },
  };
}
