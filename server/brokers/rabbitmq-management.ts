/**
 * RabbitMQ's management plugin, over its HTTP API: the firehose's switch (a vhost's `tracing`),
 * the connections' client-given names and the queues' counters. The plugin ships with RabbitMQ
 * but is off by default; `npm run brokers` enables it on a local broker.
 */
import { z } from "zod";
import { connectionNamesFrom, queueCountersFrom, type QueueCounters } from "../../lib/rabbitmq-firehose";
import { messageOf } from "../measure/timeout";

/** Each call answers within this, so a broker gone away is said so rather than waited on. */
const REQUEST_TIMEOUT_MS = 3_000;

export const ENABLE_MANAGEMENT_COMMAND = "rabbitmq-plugins enable rabbitmq_management (npm run brokers does it for a local RabbitMQ)";

/** The management API does not answer: the plugin is off, or RabbitMQ is away. */
export class ManagementUnreachable extends Error {
  override name = "ManagementUnreachable";
}

const vhostSchema = z.object({
  tracing: z.boolean().default(false),
  description: z.string().default(""),
  tags: z.union([z.array(z.string()), z.string()]).default([]),
});

export class RabbitManagement {
  private readonly base: string;
  private readonly authorization: string;
  /** Where it is, with the password left out: fit for an error message. */
  readonly shown: string;

  constructor(url: string) {
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username || "guest");
    const password = decodeURIComponent(parsed.password || "guest");
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    parsed.username = "";
    parsed.password = "";
    this.base = parsed.origin;
    this.shown = parsed.origin;
  }

  /** The answer's body, or null for a 404; anything else that is not a 2xx is an error. */
  private async request(method: "GET" | "PUT", path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api${path}`, {
        method,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause's.
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : messageOf(error);
      throw new ManagementUnreachable(`RabbitMQ's management API does not answer at ${this.shown} (${why}). Enable it with: ${ENABLE_MANAGEMENT_COMMAND}`);
    }
    if (res.status === 404) return null;
    if (res.status === 401) throw new ManagementUnreachable(`RabbitMQ's management API at ${this.shown} refused the credentials: set RABBITMQ_MANAGEMENT_URL to http://user:pass@host:15672 for a user tagged "administrator"`);
    if (!res.ok) throw new Error(`RabbitMQ's management API answered ${res.status} to ${method} ${path}`);
    return res.status === 204 ? {} : ((await res.json()) as unknown);
  }

  async tracing(vhost: string): Promise<boolean> {
    const body = vhostSchema.safeParse(await this.request("GET", `/vhosts/${encodeURIComponent(vhost)}`));
    if (!body.success) throw new Error(`RabbitMQ has no vhost ${vhost}`);
    return body.data.tracing;
  }

  /**
   * A PUT on a vhost sets all its fields: its description and tags are sent back as they are,
   * or switching the firehose would wipe them.
   */
  async setTracing(vhost: string, on: boolean): Promise<void> {
    const path = `/vhosts/${encodeURIComponent(vhost)}`;
    const current = vhostSchema.safeParse(await this.request("GET", path));
    if (!current.success) throw new Error(`RabbitMQ has no vhost ${vhost}`);
    const tags = Array.isArray(current.data.tags) ? current.data.tags.join(",") : current.data.tags;
    await this.request("PUT", path, { description: current.data.description, tags, tracing: on });
  }

  /** Each connection's name (what the firehose says) to the name its client gave it. */
  async connectionNames(): Promise<Map<string, string>> {
    return connectionNamesFrom(await this.request("GET", "/connections?columns=name,client_properties.connection_name"));
  }

  /** Null when the vhost has no such queue. */
  async queue(vhost: string, queue: string): Promise<QueueCounters | null> {
    const body = await this.request("GET", `/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`);
    return body === null ? null : queueCountersFrom(queue, body);
  }
}

interface TracingHold {
  users: number;
  /** Tracing was on before the first user: someone else's, left on when the last one goes. */
  wasOn: boolean;
}

const holds = new Map<string, TracingHold>();
/** Switches for one vhost go one after another: two taps starting at once must not both read "off". */
const switching = new Map<string, Promise<unknown>>();

function serially<T>(key: string, step: () => Promise<T>): Promise<T> {
  const next = (switching.get(key) ?? Promise.resolve()).catch(() => undefined).then(step);
  switching.set(key, next);
  return next;
}

/**
 * Keeps the vhost's firehose on until the answer's release is called. Users are counted (the
 * observe page's tap and every scenario's witness may each hold it); the last to go switches it
 * off, unless it was on before the first came. Release is idempotent.
 */
export async function holdTracing(api: RabbitManagement, vhost: string): Promise<() => Promise<void>> {
  const key = `${api.shown}|${vhost}`;
  await serially(key, async () => {
    const hold = holds.get(key);
    if (hold) {
      hold.users += 1;
      return;
    }
    const wasOn = await api.tracing(vhost);
    if (!wasOn) await api.setTracing(vhost, true);
    holds.set(key, { users: 1, wasOn });
  });
  let released = false;
  return () => {
    if (released) return Promise.resolve();
    released = true;
    return serially(key, async () => {
      const hold = holds.get(key);
      if (!hold) return;
      hold.users -= 1;
      if (hold.users > 0) return;
      holds.delete(key);
      if (hold.wasOn) return;
      try {
        await api.setTracing(vhost, false);
      } catch (error) {
        // The management API away for a moment while RabbitMQ runs on: left on, the firehose
        // would slow every message of the vhost until the node restarts.
        switchOffLater(api, vhost, key);
        throw error;
      }
    });
  };
}

/** How often, and how many times, a firehose that could not be switched off is tried again. */
const SWITCH_OFF_RETRY_MS = 5_000;
const SWITCH_OFF_RETRIES = 60;

function switchOffLater(api: RabbitManagement, vhost: string, key: string, left = SWITCH_OFF_RETRIES): void {
  if (left <= 0) return;
  const timer = setTimeout(() => {
    void serially(key, async () => {
      // Someone holds it again: theirs to switch off when they go.
      if (holds.has(key)) return;
      await api.setTracing(vhost, false).catch(() => switchOffLater(api, vhost, key, left - 1));
    });
  }, SWITCH_OFF_RETRY_MS);
  // A server shutting down does not wait for a broker that is away.
  timer.unref();
}
