/**
 * Reading Redis MONITOR lines: which client sent which command, when. Unlike a pub/sub
 * subscription, MONITOR names the publisher, and it sees stream writes, which no subscription
 * does. It costs Redis about half its throughput, so a tap uses it only when asked.
 */

/** One command as MONITOR reports it (ioredis splits the line). */
export interface MonitoredCommand {
  /** Redis's own clock, as MONITOR prints it: seconds with microseconds. */
  timestamp: string;
  /** The command and its arguments, still escaped as MONITOR prints them. */
  args: string[];
  /** The client's address, `ip:port`, or `lua` / `unix:…`. */
  source: string;
}

/** A message a monitored command put somewhere: a channel it published on, or a stream it added to. */
export interface MonitoredWrite {
  at: number;
  kind: "channel" | "stream";
  destination: string;
  source: string;
  /** The payload: the published message, or the stream entry's fields as JSON. */
  body: string;
  /** The id the message carries (a `messageId` field), if any. */
  messageId: string | undefined;
}

/** Undoes MONITOR's quoting (`sdscatrepr`): `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH`. */
export function unescapeMonitorArg(arg: string): string {
  return arg.replace(/\\(x[0-9a-fA-F]{2}|[\\"nrtab])/g, (_, code: string) => {
    if (code.startsWith("x")) return String.fromCharCode(parseInt(code.slice(1), 16));
    return { "\\": "\\", '"': '"', n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b" }[code] ?? code;
  });
}

/** A Redis glob (`*`, `?`, `[…]`, `\` escapes), as PSUBSCRIBE matches channels, as a RegExp. */
export function redisGlob(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) source += escapeRegExp(pattern[++i] as string);
    else if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) source += "\\[";
      else {
        const inside = pattern.slice(i + 1, end);
        source += `[${inside.startsWith("^") ? `^${escapeClass(inside.slice(1))}` : escapeClass(inside)}]`;
        i = end;
      }
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** Inside a class only `\`, `]` and `[` need escaping; a range's dash stays a range. */
const escapeClass = (text: string) => text.replace(/[\\\][]/g, "\\$&");

/** The `messageId` a JSON payload carries, as Hopscope's own publishers put it there. */
function messageIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { messageId?: unknown };
    return typeof parsed.messageId === "string" && parsed.messageId !== "" ? parsed.messageId : undefined;
  } catch {
    return undefined;
  }
}

/** XADD's options before the id: `NOMKSTREAM`, `MAXLEN|MINID [=|~] threshold [LIMIT count]`. */
function xaddFieldsStart(args: string[]): number {
  let i = 2;
  for (;;) {
    const word = args[i]?.toUpperCase();
    if (word === "NOMKSTREAM") i += 1;
    else if (word === "MAXLEN" || word === "MINID") {
      i += args[i + 1] === "=" || args[i + 1] === "~" ? 3 : 2;
      if (args[i]?.toUpperCase() === "LIMIT") i += 2;
    } else return i + 1; // past the entry id (`*` or explicit)
  }
}

/**
 * The write a monitored command made to a channel or stream that `matches`, or null for any
 * other command (reads, acks, keys nobody asked about).
 */
export function monitoredWrite(command: MonitoredCommand, matches: (key: string) => boolean): MonitoredWrite | null {
  const args = command.args.map(unescapeMonitorArg);
  const name = args[0]?.toUpperCase();
  const key = args[1];
  if (key === undefined || !matches(key)) return null;
  const at = Number(command.timestamp) * 1000;
  if (!Number.isFinite(at) || at <= 0) return null;
  if ((name === "PUBLISH" || name === "SPUBLISH") && args.length === 3) {
    const body = args[2] as string;
    return { at, kind: "channel", destination: key, source: command.source, body, messageId: messageIdOf(body) };
  }
  if (name === "XADD") {
    const pairs = args.slice(xaddFieldsStart(args));
    if (pairs.length < 2 || pairs.length % 2 !== 0) return null;
    const fields: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) fields[pairs[i] as string] = pairs[i + 1] as string;
    return { at, kind: "stream", destination: key, source: command.source, body: JSON.stringify(fields), messageId: fields.messageId || undefined };
  }
  return null;
}

/** Client names by address, from `CLIENT LIST`: what the broker knows each connection as. */
export function clientNamesByAddress(clientList: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const line of clientList.split("\n")) {
    const fields = new Map(
      line
        .trim()
        .split(" ")
        .map((pair) => {
          const eq = pair.indexOf("=");
          return [pair.slice(0, eq), pair.slice(eq + 1)] as const;
        }),
    );
    const addr = fields.get("addr");
    const name = fields.get("name");
    if (addr && name) names.set(addr, name);
  }
  return names;
}

/**
 * The name a monitored command gave its own connection (`CLIENT SETNAME`, or `HELLO … SETNAME`),
 * "" for a name cleared, or null for any other command. MONITOR shows these, so a client that names
 * itself, publishes and leaves at once is still known by its name after it is gone from `CLIENT LIST`.
 */
export function monitoredClientName(command: MonitoredCommand): string | null {
  const args = command.args.map(unescapeMonitorArg);
  const name = args[0]?.toUpperCase();
  if (name === "CLIENT" && args[1]?.toUpperCase() === "SETNAME" && args.length === 3) return args[2] as string;
  if (name === "HELLO") {
    const at = args.findIndex((arg, i) => i > 1 && arg.toUpperCase() === "SETNAME");
    if (at !== -1 && at + 1 < args.length) return args[at + 1] as string;
  }
  return null;
}
