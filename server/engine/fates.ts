import type { MessageHop, SettingsValues } from "../../lib/protocol";
import type { Namespace } from "../brokers/namespace";
import type { Fate, FateReader, FateSource } from "../scenarios/model";
import type { FateCheck } from "./delivery-effects";

/**
 * A scenario's broker, asked about single messages under the scenario's current settings.
 * The connection opens on the first question (most runs never lose a consumer) and closes with
 * the scenario.
 */
export class BrokerFates implements FateCheck {
  private reader: FateReader | null = null;

  constructor(
    private readonly source: FateSource,
    private readonly url: string,
    private readonly names: Namespace,
    private readonly settings: () => SettingsValues,
  ) {}

  check(deliveries: readonly MessageHop[]): Promise<Fate[]> {
    this.reader ??= this.source.open(this.url, this.names);
    return this.reader.fates(deliveries, this.settings());
  }

  recheckMs(): number {
    return this.source.recheckMs(this.settings());
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.close();
  }
}
