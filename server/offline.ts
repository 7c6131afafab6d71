/**
 * Hopscope runs in workshops without internet and must not phone home anywhere. The server's own
 * HTTP calls go to its brokers (RabbitMQ's management API); Next.js in development also asks
 * registry.npmjs.org for its latest version, with no setting to turn that off. So the server
 * process refuses every fetch to a host that is neither loopback nor one of its brokers.
 */
const LOOPBACK = ["localhost", "127.0.0.1", "::1", "[::1]"];

export class OutboundRequestRefused extends Error {
  override name = "OutboundRequestRefused";
}

/** Loopback and every broker host, as `URL.hostname` spells them. */
export function allowedHosts(urls: Readonly<Record<string, string>>): Set<string> {
  const hosts = new Set(LOOPBACK);
  for (const list of Object.values(urls)) {
    // NATS and Kafka take comma-separated lists; Kafka's entries have no scheme.
    for (const entry of list.split(",")) {
      try {
        hosts.add(new URL(entry.includes("://") ? entry.trim() : `tcp://${entry.trim()}`).hostname);
      } catch {
        // config.ts validated the URLs; an entry URL cannot parse is no host to allow.
      }
    }
  }
  return hosts;
}

export function isAllowed(url: URL, hosts: ReadonlySet<string>): boolean {
  return hosts.has(url.hostname);
}

/** Wraps the global fetch; `onRefused` hears of each refused URL (the caller gets a rejection). */
export function refuseOutboundFetches(hosts: ReadonlySet<string>, onRefused: (url: URL) => void): void {
  const original = globalThis.fetch;
  const guarded: typeof fetch = (input, init) => {
    let url: URL;
    try {
      url = new URL(input instanceof Request ? input.url : input);
    } catch {
      // Not an absolute URL: fetch itself rejects it, with its own message.
      return original(input, init);
    }
    if (isAllowed(url, hosts)) return original(input, init);
    onRefused(url);
    return Promise.reject(new OutboundRequestRefused(`Hopscope stays offline: refused a request to ${url.host}`));
  };
  globalThis.fetch = guarded;
}
