/**
 * The patterns every role repeats, written once.
 *
 * Reconnect policy, per broker (the clients are set up in server/brokers/):
 * - NATS: the client reconnects forever (nats.js would give up after about 20 s); subscriptions
 *   come back by themselves, so NATS actors live through a broker restart. A JetStream worker
 *   whose ack went unconfirmed meanwhile leaves: only the engine can ask the stream what became
 *   of that message without mistaking another worker's ack for its own.
 * - RabbitMQ: amqplib does not reconnect. A delivery tag dies with its channel, so an actor that
 *   loses its connection or channel exits and the supervisor replaces it once the broker answers;
 *   the broker has already requeued what it held.
 * - Redis: ioredis reconnects forever, paced, and resubscribes by itself; blocking reads use a
 *   connection of their own.
 * - Kafka: kafkajs restarts a crashed consumer itself; one it gives up on exits the actor.
 */
import type { Channel, ChannelModel, ConfirmChannel } from "amqplib";
import type { Namespace } from "../brokers/namespace";
import { connectAmqp } from "../brokers/rabbitmq";
import type { ActorCommand } from "./ipc";
import type { ActorContext } from "./runtime";

/**
 * Leaves for good: the supervisor sees a death it did not cause and starts a replacement once
 * the broker answers. For state that no reconnect can repair (a dead channel, a cancelled
 * consumer). The hops already reported reach the server first.
 */
export function replaceMe(ctx: Pick<ActorContext, "leave">, why: string): void {
  ctx.leave(why);
}

/**
 * One item at a time, in arrival order, as a single-threaded service works: what arrives while
 * it is busy waits in this process, and dies with it.
 */
export function workLoop<T>(work: (item: T) => Promise<void>): (item: T) => void {
  const backlog: T[] = [];
  let working = false;
  const drain = async () => {
    if (working) return;
    working = true;
    try {
      for (let item = backlog.shift(); item !== undefined; item = backlog.shift()) await work(item);
    } finally {
      working = false;
    }
  };
  return (item) => {
    backlog.push(item);
    void drain();
  };
}

export type PublishCommand = Extract<ActorCommand, { type: "publish" }>;

/** One message of a publish command: its id, the publisher's running number, and its body. */
export interface Outgoing {
  id: string;
  n: number;
  body: Buffer;
}

/**
 * The messages a publish command asks for: the presenter's payload, or a sample made from the
 * running number (so a burst does not show the same body over and over).
 */
export function* outgoing(command: PublishCommand, nextId: () => { id: string; n: number }, sample: (n: number) => unknown): Generator<Outgoing> {
  for (let i = 0; i < command.count; i++) {
    const { id, n } = nextId();
    yield { id, n, body: encodeBody(command.payload ?? sample(n)) };
  }
}

export function encodeBody(payload: unknown): Buffer {
  return Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
}

interface AmqpActorOptions<C extends boolean> {
  /** A confirm channel: the broker says when it has taken responsibility for a publish. */
  confirm: C;
  /** Declares the queues and exchanges the role needs; every process declares the same. */
  declare?: (channel: Channel, names: Namespace) => Promise<void>;
  prefetch?: number;
  /** Where the role speaks RabbitMQ besides its own transport: that URL. */
  url?: string;
}

/**
 * An AMQP actor's connection and one channel, guarded: losing either ends the actor (see the
 * reconnect policy above), and the broker's reason for a channel error reaches the log.
 */
export async function openAmqpActor<C extends boolean>(
  ctx: Pick<ActorContext, "spec" | "names" | "setConnected" | "log" | "leave">,
  options: AmqpActorOptions<C>,
): Promise<{ connection: ChannelModel; channel: C extends true ? ConfirmChannel : Channel }> {
  const connection = await connectAmqp({ url: options.url ?? ctx.spec.brokerUrl, name: ctx.spec.id, onConnectedChange: options.url ? undefined : ctx.setConnected });
  connection.on("close", () => replaceMe(ctx, "lost the RabbitMQ connection"));
  const channel = options.confirm ? await connection.createConfirmChannel() : await connection.createChannel();
  // A channel error (the broker refusing a declaration, a queue deleted under a consumer) closes
  // the channel and its delivery tags with it. Without an "error" listener amqplib would throw
  // and hide the broker's reason.
  channel.on("error", (error: Error) => ctx.log(`channel error: ${error.message}`));
  channel.on("close", () => replaceMe(ctx, "the RabbitMQ channel closed"));
  if (options.declare) await options.declare(channel, ctx.names);
  if (options.prefetch !== undefined) await channel.prefetch(options.prefetch);
  return { connection, channel: channel as C extends true ? ConfirmChannel : Channel };
}
