import type { z } from "zod";
import type { MessageHopKind, ScenarioInfo, SettingsValues } from "../../lib/protocol";

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
   * For a broadcast: the role whose members each get a copy. A publish answered while some of
   * them are down says how many missed it, as the expected at-most-once loss it is.
   */
  audienceRole?: string;
  /** The hops that complete a message, when not the usual reply-received or acked. */
  completesOn?: readonly MessageHopKind[];
  /** Reads live figures from the broker while the scenario runs. */
  gauges?: (brokerUrl: string) => GaugeReader;
}

export interface GaugeReader {
  read(): Promise<Record<string, Record<string, number>>>;
  close(): Promise<void>;
}
