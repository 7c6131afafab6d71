import { isBroker, peekResultSchema, type PeekResult, type SettingsValues } from "../../lib/protocol";
import type { Namespace } from "../brokers/namespace";
import { BROKER_NAMES } from "../health";
import { log } from "../log";
import { PEEK_TIMEOUT_MS } from "../options";
import { PeekRefusal, type PeekSource } from "../scenarios/model";
import { fail, ok, type Result } from "./result";

/**
 * Runs a scenario's peeks one at a time, each on connections of its own that close when it is
 * done: a peek that takes messages to look at them (RabbitMQ) must never see a queue another
 * peek has half taken, and nothing stays open between a presenter's clicks.
 */
export class PeekDesk {
  private last: Promise<unknown> = Promise.resolve();
  /** The broker read itself, which may outlive a peek that timed out: the next one waits for it. */
  private reading: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: PeekSource,
    private readonly url: string,
    private readonly names: Namespace,
    private readonly settings: () => SettingsValues,
    private readonly timeoutMs = PEEK_TIMEOUT_MS,
  ) {}

  peek(target: string, limit: number): Promise<Result<PeekResult>> {
    const run = this.last.then(() => this.reading).then(() => this.once(target, limit));
    this.last = run.catch(() => undefined);
    return run;
  }

  private async once(target: string, limit: number): Promise<Result<PeekResult>> {
    const broker = this.source.transport;
    const name = isBroker(broker) ? BROKER_NAMES[broker] : broker;
    const reader = this.source.open(this.url, this.names, this.settings);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PeekTimeout()), this.timeoutMs);
    });
    try {
      // Parsed on the way out: the answer's size and shape are the contract's, whatever the broker said.
      const reading = reader.peek(target, limit);
      this.reading = reading.catch(() => undefined);
      return ok(peekResultSchema.parse(await Promise.race([reading, timeout])));
    } catch (error) {
      if (error instanceof PeekRefusal) return fail(error.code, error.message);
      if (error instanceof PeekTimeout) return fail("broker-down", `${name} did not answer the peek within ${this.timeoutMs / 1000} s`);
      log.warn({ err: error, target }, "peek failed");
      return fail("internal", `${name} could not be peeked at; the server log says why`);
    } finally {
      clearTimeout(timer);
      await reader.close().catch(() => undefined);
    }
  }
}

class PeekTimeout extends Error {}
