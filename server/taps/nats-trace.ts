/**
 * The witness's ear for NATS message tracing: the actors name this listener's subject in each
 * publish (`Nats-Trace-Dest`), and the server tells it which connection got each message. A
 * queue group's members are the actors' own connections, named by their ids, so the broker's
 * word on who got a message can be held against the member that reported it.
 */
import { connect, type NatsConnection } from "nats";
import { NATS_TRACING_SINCE, supportsMessageTracing, tracedMessageOf } from "../../lib/nats-trace";
import type { MessageHopDraft } from "../../lib/protocol";
import { destinationNodeId } from "../../lib/otlp";
import { OBSERVED_ID } from "../engine/observed";
import { ATTEMPT_HEADER, MESSAGE_ID_HEADER, TRACE_ID_HEADER } from "../brokers/nats";

/** Hopscope's own connections (taps, gauges): a copy they get is not a delivery the room is shown. */
const OWN_CONNECTION = /^hopscope-/;

export type NatsTracing = { on: true; listener: NatsTraceListener } | { on: false; why: string };

export class NatsTraceListener {
  private constructor(
    private readonly nc: NatsConnection,
    /** What the actors name in `Nats-Trace-Dest`. */
    readonly subject: string,
  ) {}

  /**
   * Listens on `subject` for the traces of what is published with it, if the server traces
   * messages; otherwise says why not, and holds no connection.
   */
  static async start(url: string, subject: string, emit: (hops: MessageHopDraft[]) => void): Promise<NatsTracing> {
    const nc = await connect({ servers: url, name: "hopscope-trace", maxReconnectAttempts: -1 });
    const version = nc.info?.version;
    if (!supportsMessageTracing(version)) {
      await nc.close();
      return { on: false, why: `NATS ${version ?? "of unknown version"} does not trace messages (${NATS_TRACING_SINCE} and newer do): which member got each message is the actors' word alone` };
    }
    nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        let raw: unknown;
        try {
          raw = msg.json();
        } catch {
          return;
        }
        const traced = tracedMessageOf(raw);
        const id = traced?.headers[MESSAGE_ID_HEADER];
        // Only Hopscope's messages carry an id every side names them by.
        if (!traced || !id) return;
        const attempt = Number(traced.headers[ATTEMPT_HEADER] ?? 1);
        const message = {
          id: id.slice(0, 128),
          traceId: (traced.headers[TRACE_ID_HEADER] || id).slice(0, 128),
          destination: traced.subject.slice(0, 256),
          attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
          redelivered: false,
          size: 0,
          preview: "",
        };
        const hops = traced.deliveries
          .filter((delivery) => !OWN_CONNECTION.test(delivery.to))
          .map(
            (delivery): MessageHopDraft => ({
              scenarioId: OBSERVED_ID,
              broker: "nats",
              kind: "delivered",
              from: destinationNodeId("nats", traced.subject),
              to: delivery.to.slice(0, 64),
              at: delivery.at,
              source: "tap",
              message,
            }),
          );
        if (hops.length > 0) emit(hops);
      },
    });
    await nc.flush();
    return { on: true, listener: new NatsTraceListener(nc, subject) };
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}
