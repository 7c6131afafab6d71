/**
 * The receiving side of one measurement, in its own process as a real consumer or server would
 * be: it listens with the official client, counts what arrives and, for one-way paths, times
 * each message from the send time it carries. The measuring process drives it over IPC.
 */
import { childMessageSchema, childSpecSchema, MEASURE_CHILD_ENV, parentMessageSchema, type ChildMessage, type ParentMessage } from "./ipc";
import { measureNames } from "./names";
import { hostNow, sentAtOf } from "./payload";
import { messageOf } from "./timeout";
import type { Receiver } from "./transport";
import { transportOf } from "./transports";

/** Resolves once the message is on its way, so a process about to exit still delivers it. */
function tell(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(childMessageSchema.parse(message), undefined, {}, () => resolve());
  });
}

/** Counting since the last mark; one-way latencies only while recording. */
const window = { since: hostNow(), received: 0, record: false, latenciesMs: [] as number[] };
let waiting: { expected: number; resolve: () => void } | null = null;

async function collect(expected: number | null, waitMs: number): Promise<void> {
  if (expected !== null && window.received < expected) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, waitMs);
      function finish() {
        clearTimeout(timer);
        waiting = null;
        resolve();
      }
      waiting = { expected, resolve: finish };
    });
  }
  void tell({ type: "collected", received: window.received, elapsedMs: hostNow() - window.since, latenciesMs: window.latenciesMs });
  window.latenciesMs = [];
}

async function main(): Promise<void> {
  const spec = childSpecSchema.parse(JSON.parse(process.env[MEASURE_CHILD_ENV] ?? "null"));
  const transport = transportOf(spec.id);
  const ctx = { urls: spec.urls, names: measureNames(spec.runId) };
  const timeOneWay = !transport.roundTrip;
  let receiver: Receiver | null = null;

  const close = async (code: number) => {
    await receiver?.close().catch(() => undefined);
    process.exit(code);
  };
  // The measuring process going away (killed, crashed) must not leave a consumer behind.
  process.on("disconnect", () => void close(0));
  process.on("message", (raw: unknown) => {
    const parsed = parentMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message: ParentMessage = parsed.data;
    if (message.type === "mark") {
      Object.assign(window, { since: hostNow(), received: 0, record: message.record, latenciesMs: [] });
      void tell({ type: "marked" });
    } else if (message.type === "collect") void collect(message.expected, message.waitMs);
    else void close(0);
  });

  try {
    receiver = await transport.receive(ctx, (payload) => {
      const at = hostNow();
      window.received++;
      if (window.record && timeOneWay) {
        const sentAt = sentAtOf(payload);
        if (sentAt !== null) window.latenciesMs.push(at - sentAt);
      }
      if (waiting && window.received >= waiting.expected) waiting.resolve();
    });
    await tell({ type: "ready", port: receiver.info.port });
  } catch (error) {
    await tell({ type: "failed", error: messageOf(error) });
    await close(1);
  }
}

void main();
