import { connect } from "node:net";

export interface Endpoint {
  host: string;
  port: number;
}

/** host:port out of a URL or a bare "host:port", with the broker's default port. */
export function endpointOf(urlOrHostPort: string, defaultPort: number): Endpoint {
  const first = urlOrHostPort.split(",")[0]?.trim() ?? "";
  const withScheme = first.includes("://") ? first : `tcp://${first}`;
  const url = new URL(withScheme);
  return { host: url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: url.port ? Number(url.port) : defaultPort };
}

/**
 * Opens a TCP connection, optionally writes a greeting, and waits until `answered` accepts what
 * came back. Speaking a word of the broker's own protocol tells a broker from any open port.
 */
export function probeTcp(
  endpoint: Endpoint,
  greeting: Buffer | null,
  answered: (received: Buffer) => boolean,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    let received = Buffer.alloc(0);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => {
      if (greeting) socket.write(greeting);
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (answered(received)) finish();
      else if (received.length > 64 * 1024) finish(new Error("unexpected answer"));
    });
    socket.once("error", (error: NodeJS.ErrnoException) => finish(new Error(error.code === "ECONNREFUSED" ? "connection refused" : error.message)));
    socket.once("close", () => finish(new Error("connection closed before the broker answered")));
  });
}
