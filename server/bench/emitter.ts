import { describeMessage, type ActorProgram } from "../actors/runtime";

export const BENCH_CHANNEL_ID = "bench:pipeline";
const body = new TextEncoder().encode('{"bench":true}');

/**
 * Feeds synthetic hops into the real pipeline (IPC, ordering, ledger, Socket.IO) at a set rate,
 * to measure Hopscope itself rather than a broker. `rate` 0 means as fast as possible.
 */
export const benchEmitter: ActorProgram<"rate"> = async (ctx) => {
  const self = ctx.spec.id;
  let counter = 0;
  const emitOne = () => {
    counter++;
    ctx.emit({ kind: "published", from: self, to: BENCH_CHANNEL_ID, message: describeMessage({ id: `${self}-${counter}`, destination: "bench", attempt: 1, redelivered: false }, body) });
  };
  return {
    async handle(command) {
      if (command.type !== "publish") return null;
      const rate = ctx.settings.rate;
      const total = command.count;
      let sent = 0;
      const started = performance.now();
      await new Promise<void>((resolve) => {
        const step = () => {
          const due = rate > 0 ? Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000)) : Math.min(total, sent + 500);
          while (sent < due) {
            emitOne();
            sent++;
          }
          if (sent >= total) resolve();
          else if (rate > 0) setTimeout(step, 1);
          else setImmediate(step);
        };
        step();
      });
      return { sent };
    },
    async close() {},
  };
};
