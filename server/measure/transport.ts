import type { MeasureId } from "../../lib/measurements";
import type { Config } from "../config";
import type { MeasureNames } from "./names";

export type BrokerUrls = Config["urls"];

export interface MeasureContext {
  urls: BrokerUrls;
  names: MeasureNames;
}

/** What the receiver tells the sender once it listens: a gRPC server's port. */
export interface ReceiverInfo {
  port?: number;
}

export interface Receiver {
  info: ReceiverInfo;
  close(): Promise<void>;
}

export interface Sender {
  /**
   * Resolves once the broker has the message as the path defines it (a PubAck, a confirm, a
   * reply); null where the client only buffers it, and `drain` then bounds what is unconfirmed.
   */
  send(payload: Buffer): Promise<void> | null;
  /** Everything sent so far has reached the broker: a NATS flush. */
  drain?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One broker path, measured with its official client: the receiver runs in a child process, the
 * sender in the measuring one, as two services would.
 */
export interface Transport {
  id: MeasureId;
  /** What one latency sample times, in words. */
  path: string;
  /** The caller times each round trip; otherwise the receiver times the one-way path. */
  roundTrip: boolean;
  /** Says quickly, and in words, that the broker does not answer. */
  probe(urls: BrokerUrls, timeoutMs: number): Promise<void>;
  /** Creates the broker objects the run needs (a stream, a queue, a topic), before the receiver. */
  prepare?(ctx: MeasureContext): Promise<void>;
  /** In the child: listens and hands each message's payload over as it arrives. */
  receive(ctx: MeasureContext, onMessage: (payload: Uint8Array) => void): Promise<Receiver>;
  sender(ctx: MeasureContext, receiver: ReceiverInfo): Promise<Sender>;
  /** Deletes what `prepare` and the receiver created. */
  cleanup?(ctx: MeasureContext): Promise<void>;
  /** The run's objects still on the broker, by name: none once `cleanup` is done. */
  remains?(ctx: MeasureContext): Promise<string[]>;
}

/** Opens a short-lived client for one job (create, delete, look up) and closes it whatever happens. */
export async function withClient<C, T>(open: () => Promise<C>, close: (client: C) => Promise<unknown>, use: (client: C) => Promise<T>): Promise<T> {
  const client = await open();
  try {
    return await use(client);
  } finally {
    await close(client).catch(() => undefined);
  }
}
