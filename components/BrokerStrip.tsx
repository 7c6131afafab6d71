"use client";
import { useState } from "react";
import type { HealthReport, TransportId } from "../lib/protocol";
import { BROKERS, isBroker } from "../lib/protocol";

export const BROKER_NAMES: Record<TransportId, string> = { nats: "NATS", rabbitmq: "RabbitMQ", redis: "Redis", kafka: "Kafka", grpc: "gRPC" };

/** How a transport is doing: a broker by its probe; gRPC has no broker, so it is always up. */
export function transportUp(id: TransportId, health: HealthReport | null): boolean | undefined {
  return isBroker(id) ? health?.brokers[id].up : true;
}

/** One chip per broker; a down broker says how to start it. */
export function BrokerStrip({ health }: { health: HealthReport | null }) {
  // Details open on hover, or stay open after a click, Enter or Space: a keyboard has no hover.
  const [pinned, setPinned] = useState<TransportId | null>(null);
  return (
    <ul className="flex flex-wrap items-center gap-2" aria-label="Broker status" data-testid="broker-strip">
      {BROKERS.map((id) => {
        const b = health?.brokers[id];
        const up = b?.up ?? false;
        const title = b ? (up ? `${BROKER_NAMES[id]} is up at ${b.url}` : `${BROKER_NAMES[id]} is down at ${b.url}: ${b.error ?? "unreachable"}\nStart it with: ${b.startCommand}`) : "checking…";
        return (
          <li
            key={id}
            data-testid={`broker-${id}`}
            data-up={up}
            title={title}
            className={`group relative rounded-full border text-xs font-medium ${
              up
                ? "border-emerald-500/30 bg-emerald-500/10 text-emerald-700 dark:text-emerald-300"
                : "border-rose-500/30 bg-rose-500/10 text-rose-700 dark:text-rose-300"
            }`}
          >
            <button
              type="button"
              onClick={() => setPinned(pinned === id ? null : id)}
              onKeyDown={(event) => event.key === "Escape" && pinned === id && setPinned(null)}
              aria-expanded={b ? pinned === id : undefined}
              aria-describedby={b ? `broker-details-${id}` : undefined}
              className="flex items-center gap-2 rounded-full px-3 py-1 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-600 dark:focus-visible:outline-violet-400"
              data-testid={`broker-button-${id}`}
            >
              <span className={`h-2 w-2 rounded-full ${up ? "bg-emerald-500 shadow-[0_0_0_3px_rgba(16,185,129,0.2)]" : "bg-rose-500"}`} />
              <span>{BROKER_NAMES[id]}</span>
              <span className="font-normal">{b ? (up ? "up" : "down") : "…"}</span>
            </button>
            {b && (
              <span
                id={`broker-details-${id}`}
                role="tooltip"
                data-testid={`broker-details-${id}`}
                className={`pointer-events-none absolute top-full right-0 z-50 mt-2 w-80 rounded-lg border border-[var(--line)] bg-[var(--panel)] p-3 text-left font-normal text-[var(--ink)] shadow-xl group-hover:block ${pinned === id ? "block" : "hidden"}`}
              >
                <span className="block font-mono text-2xs text-[var(--muted)]">{b.url}</span>
                {!up && (
                  <>
                    <span className="mt-1 block text-rose-600 dark:text-rose-400">{b.error}</span>
                    <span className="mt-2 block text-[var(--muted)]">Start it with</span>
                    <code className="mt-1 block rounded bg-black/5 px-2 py-1 font-mono text-2xs dark:bg-white/10">{b.startCommand}</code>
                  </>
                )}
              </span>
            )}
          </li>
        );
      })}
      {health?.namespace && (
        <li className="font-mono text-2xs text-[var(--muted)]" data-testid="namespace" title="Every queue, subject, stream and topic this Hopscope uses carries this prefix, so copies sharing a broker never take each other's messages">
          ns {health.namespace}
        </li>
      )}
    </ul>
  );
}

/**
 * A banner above a scenario while any of its brokers is down: one notice naming each of them,
 * with the command that starts it.
 */
export function BrokerDownNotice({ brokers, health, scenarioId }: { brokers: readonly TransportId[]; health: HealthReport | null; scenarioId?: string }) {
  const down = brokers.filter(isBroker).flatMap((id) => {
    const b = health?.brokers[id];
    return b && !b.up ? [{ id, ...b }] : [];
  });
  if (down.length === 0) return null;
  const names = listOf(down.map((b) => BROKER_NAMES[b.id]));
  return (
    <div role="alert" className="rounded-xl border border-rose-500/30 bg-rose-500/10 px-4 py-3 text-sm text-rose-800 dark:text-rose-200" data-testid="broker-down">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <strong>
          {names} {down.length === 1 ? "is" : "are"} down
        </strong>
        {down.length === 1 && down[0] ? (
          <>
            <span className="opacity-80">
              at <span className="font-mono">{down[0].url}</span> ({down[0].error}). This scenario is paused until it is back.
            </span>
            <code className="rounded bg-rose-500/10 px-2 py-0.5 font-mono text-xs">{down[0].startCommand}</code>
          </>
        ) : (
          <span className="opacity-80">This scenario needs all {brokers.length} of its brokers and is paused until they are back.</span>
        )}
        {scenarioId && (
          <a href={`/replay?recording=/recordings/${scenarioId}.ndjson`} className="ml-auto rounded-md border border-rose-500/40 px-2 py-0.5 text-xs font-medium hover:bg-rose-500/10" data-testid="offer-recording">
            Watch the recorded run instead
          </a>
        )}
      </div>
      {down.length > 1 && (
        <ul className="mt-2 space-y-1">
          {down.map((b) => (
            <li key={b.id} className="flex flex-wrap items-center gap-x-3 gap-y-1" data-testid={`broker-down-${b.id}`}>
              <strong className="w-20 shrink-0">{BROKER_NAMES[b.id]}</strong>
              <span className="opacity-80">
                at <span className="font-mono">{b.url}</span> ({b.error})
              </span>
              <code className="rounded bg-rose-500/10 px-2 py-0.5 font-mono text-xs">{b.startCommand}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Whether every one of these brokers answers. */
export function allUp(brokers: readonly TransportId[], health: HealthReport | null): boolean {
  return brokers.every((id) => transportUp(id, health) ?? false);
}

/** "NATS", "NATS and Redis", "NATS, RabbitMQ and Redis". */
export function listOf(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
