import type { z } from "zod";
import type { LiveLayout, MessageHopKind, ScenarioInfo, SettingsValues } from "../../lib/protocol";

/** Everything the engine needs to run a scenario; one file per scenario fills it in. */
export interface ScenarioDefinition {
  info: ScenarioInfo;
  /** Scenario role → actor program that plays it. */
  programs: Record<string, string>;
  /** The role that receives `publish`. */
  publisherRole: string;
  initialActors: { role: string; count: number }[];
  defaults: SettingsValues;
  /** Validates a `set`; strict, so an unknown parameter is named in the error. */
  settingsSchema: z.ZodType<Partial<SettingsValues>>;
  /**
   * The broker gives a killed consumer's unacknowledged messages back to the queue: after a
   * kill the engine reports those as `requeued`.
   */
  requeuesOnKill?: boolean;
  /**
   * The broker forgets what it handed a consumer that dies (core NATS, at-most-once): after a
   * kill the engine reports the victim's unfinished deliveries as `dropped`, with this reason.
   */
  dropsOnKill?: string;
  /**
   * For a broadcast: the role whose members each get a copy. A publish answered while some of
   * them are down says how many missed it, as the expected at-most-once loss it is.
   */
  audienceRole?: string;
  /** The hops that complete a message, when not the usual reply-received or acked. */
  completesOn?: readonly MessageHopKind[];
  /**
   * Each destination hands a message to one consumer, so a second delivery there is a
   * redelivery although the broker does not flag it (a Kafka group re-reading after a rebalance).
   */
  exclusiveDelivery?: boolean;
  /** Reads live figures from the broker while the scenario runs. */
  gauges?: (brokerUrl: string) => GaugeReader;
}

export interface GaugeReader {
  read(): Promise<Record<string, Record<string, number>>>;
  /** The picture as of the last read, for brokers whose topology changes while running. */
  layout?(): LiveLayout | null;
  close(): Promise<void>;
}
