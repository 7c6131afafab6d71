import { EventEmitter } from "node:events";
import type { BrokerHealth, BrokerId, HealthReport } from "../lib/protocol";
import { BROKERS } from "../lib/protocol";
import { redactUrl, type Config } from "./config";
import { HEALTH_INTERVAL_MS, PROBE_TIMEOUT_MS } from "./options";
import { KAFKA_START_COMMAND, probeKafka } from "./brokers/kafka";
import { NATS_START_COMMAND, probeNats } from "./brokers/nats";
import { RABBITMQ_START_COMMAND, probeRabbitmq } from "./brokers/rabbitmq";
import { REDIS_START_COMMAND, probeRedis } from "./brokers/redis";

type Probe = (url: string, timeoutMs: number) => Promise<void>;

const PROBES: Record<BrokerId, { probe: Probe; startCommand: string }> = {
  nats: { probe: probeNats, startCommand: NATS_START_COMMAND },
  rabbitmq: { probe: probeRabbitmq, startCommand: RABBITMQ_START_COMMAND },
  redis: { probe: probeRedis, startCommand: REDIS_START_COMMAND },
  kafka: { probe: probeKafka, startCommand: KAFKA_START_COMMAND },
};

export const BROKER_NAMES: Record<BrokerId, string> = { nats: "NATS", rabbitmq: "RabbitMQ", redis: "Redis", kafka: "Kafka" };

/** Polls every broker and emits "change" when one goes up or down. */
export class HealthMonitor extends EventEmitter<{ change: [HealthReport] }> {
  private report: HealthReport;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly urls: Config["urls"],
    private readonly intervalMs = HEALTH_INTERVAL_MS,
    private readonly namespace?: string,
  ) {
    super();
    const brokers = {} as Record<BrokerId, BrokerHealth>;
    for (const id of BROKERS) {
      brokers[id] = { up: false, url: redactUrl(urls[id]), error: "not checked yet", startCommand: PROBES[id].startCommand, checkedAt: 0 };
    }
    this.report = { brokers, ...(namespace ? { namespace } : {}) };
  }

  current(): HealthReport {
    return this.report;
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round of probes; concurrent callers share it. */
  poll(): Promise<void> {
    this.polling ??= this.probeAll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async probeAll(): Promise<void> {
    const results = await Promise.all(
      BROKERS.map(async (id): Promise<[BrokerId, BrokerHealth]> => {
        const { probe, startCommand } = PROBES[id];
        const url = redactUrl(this.urls[id]);
        try {
          await probe(this.urls[id], PROBE_TIMEOUT_MS);
          return [id, { up: true, url, startCommand, checkedAt: Date.now() }];
        } catch (error) {
          return [id, { up: false, url, error: (error as Error).message, startCommand, checkedAt: Date.now() }];
        }
      }),
    );
    const next: HealthReport = { brokers: Object.fromEntries(results) as Record<BrokerId, BrokerHealth>, ...(this.namespace ? { namespace: this.namespace } : {}) };
    const changed = BROKERS.some((id) => next.brokers[id].up !== this.report.brokers[id].up || next.brokers[id].error !== this.report.brokers[id].error);
    this.report = next;
    if (changed) this.emit("change", next);
  }
}
