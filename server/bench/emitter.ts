import { describeMessage, type ActorProgram } from "../actors/runtime";

export const BENCH_CHANNEL_ID = "bench:pipeline";
const body = new TextEncoder().encode('{"bench":true}');

/**
 * Feeds synthetic hops into the real pipeline (IPC, ordering, ledger, Socket.IO) at a set rate,
 * to measure Hopscope itself rather than a broker. `rate` 0 means as fast as possible.
 * With `acks` 1 each message also comes back to the emitter and is acked, so the ledger settles
 * every message it sees (the memory runs need completed messages, not only published ones);
 * `count` then counts messages of three hops each, while `rate` stays in hops per second.
 */
export const benchEmitter: ActorProgram<"rate" | "acks"> = async (ctx) => {
  const self = ctx.spec.id;
  let counter = 0;
  const emitOne = (acks: boolean) => {
    counter++;
    const message = describeMessage({ id: `${self}-${counter}`, destination: "bench", attempt: 1, redelivered: false }, body);
    ctx.emit({ kind: "published", from: self, to: BENCH_CHANNEL_ID, message });
    if (!acks) return;
    ctx.emit({ kind: "delivered", from: BENCH_CHANNEL_ID, to: self, message });
    ctx.emit({ kind: "acked", from: self, to: BENCH_CHANNEL_ID, message });
  };
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const rate = ctx.settings.rate;
      // Read once per command, so the pacing below counts the hops that are really emitted.
      const acks = ctx.settings.acks === 1;
      const hopsPerMessage = acks ? 3 : 1;
      const total = command.count;
      let sent = 0;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const step = () => {
          const due = rate > 0 ? Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000 / hopsPerMessage)) : Math.min(total, sent + 500);
          while (sent < due) {
            emitOne(acks);
            sent++;
          }
          if (sent >= total) resolve();
          else if (rate > 0) setTimeout(step, 1);
          else setImmediate(step);
        };
        step();
      });
      return { sent, hops: sent * hopsPerMessage };
    },
    async close() {},
  };
};
