"use client";
import Link from "next/link";
import type { ReactNode } from "react";
import { COMPARISONS } from "../lib/comparisons";
import { OBSERVED_ID } from "../lib/observed";
import type { HealthReport, ScenarioInfo } from "../lib/protocol";
import { BROKER_NAMES, BrokerStrip, transportUp } from "./BrokerStrip";
import { JoinButton, type JoinInfo } from "./JoinCard";
import { StageRoot } from "./Stage";
import { ThemeToggle } from "./ThemeToggle";

interface AppShellProps {
  scenarios: readonly ScenarioInfo[];
  health: HealthReport | null;
  connection: "connecting" | "online" | "offline";
  presenter: boolean;
  activeId?: string;
  /** For the presenter: how many audience browsers watch. */
  watching?: number;
  /** For the audience: whether this browser follows the presenter, and the switch. */
  following?: boolean;
  onFollowChange?: (following: boolean) => void;
  /** Set when the server listens beyond loopback: where the audience joins. */
  join?: JoinInfo;
  children: ReactNode;
}

/** The guide's `activeId`: no scenario or comparison is called this. */
export const GUIDE_ID = "guide";

const PATTERN_NAMES: Record<string, string> = {
  "request-reply": "Request / reply",
  "work-queue": "Work queue",
  "pub-sub": "Publish / subscribe",
  stream: "Streams & consumer groups",
  routing: "Routing",
  story: "Stories across brokers",
};

export function AppShell({ scenarios, health, connection, presenter, activeId, watching, following, onFollowChange, join, children }: AppShellProps) {
  const patterns = [...new Set(scenarios.map((s) => s.pattern))];
  return (
    <StageRoot className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-40 flex h-14 items-center stage:hidden gap-4 border-b border-[var(--line)] bg-[var(--panel)]/90 px-5 backdrop-blur">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <svg viewBox="0 0 32 32" className="h-7 w-7" aria-hidden>
            <rect width="32" height="32" rx="8" fill="#7c3aed" />
            <circle cx="8" cy="16" r="3.5" fill="#fff" />
            <circle cx="24" cy="9" r="3.5" fill="#fff" />
            <circle cx="24" cy="23" r="3.5" fill="#fff" />
            <path d="M11 15 21 10M11 17l10 5" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
          </svg>
          Hopscope
        </Link>
        <HeaderLink href="/guide" active={activeId === GUIDE_ID}>
          When to use what
        </HeaderLink>
        <HeaderLink href="/observe" active={activeId === OBSERVED_ID}>
          Observe your apps
        </HeaderLink>
        <span
          data-testid="connection"
          data-status={connection}
          className={`flex items-center gap-1.5 text-xs ${connection === "online" ? "text-[var(--muted)]" : "text-amber-600 dark:text-amber-400"}`}
        >
          <span className={`h-1.5 w-1.5 rounded-full ${connection === "online" ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`} />
          {connection === "online" ? (presenter ? "live · presenter" : "live · watching") : connection === "connecting" ? "connecting…" : "reconnecting…"}
        </span>
        {presenter && connection === "online" && watching !== undefined && (
          <span className="rounded-full bg-violet-500/10 px-2 py-0.5 text-xs font-medium text-violet-700 dark:text-violet-300" data-testid="watching" title="Audience browsers connected now">
            {watching} watching
          </span>
        )}
        {join && <JoinButton join={join} />}
        {!presenter && onFollowChange && (
          <label className="flex items-center gap-1.5 text-xs text-[var(--muted)]" title="Go where the presenter goes, and see the message they select">
            <input type="checkbox" checked={following ?? true} onChange={(e) => onFollowChange(e.target.checked)} className="accent-violet-600" />
            Follow the presenter
          </label>
        )}
        <div className="ml-auto flex items-center gap-3">
          <BrokerStrip health={health} />
          <ThemeToggle />
        </div>
      </header>
      <div className="flex flex-1">
        <nav aria-label="Scenarios" className="hidden w-60 shrink-0 border-r border-[var(--line)] bg-[var(--panel)]/50 px-3 py-5 lg:block stage:hidden">
          <Link
            href="/guide"
            aria-current={activeId === GUIDE_ID ? "page" : undefined}
            className={`mb-5 flex items-center justify-between rounded-lg px-2 py-1.5 text-sm font-medium transition ${activeId === GUIDE_ID ? "bg-violet-500/10 text-violet-700 dark:text-violet-300" : "hover:bg-black/5 dark:hover:bg-white/5"}`}
          >
            <span>When to use what</span>
            <span className="text-2xs font-normal text-[var(--muted)]">guide</span>
          </Link>
          {patterns.map((pattern) => (
            <div key={pattern} className="mb-5">
              <div className="px-2 pb-2 text-2xs font-semibold tracking-wider text-[var(--muted)] uppercase">{PATTERN_NAMES[pattern] ?? pattern}</div>
              {scenarios
                .filter((s) => s.pattern === pattern)
                .map((s) => {
                  const active = s.id === activeId;
                  return (
                    <Link
                      key={s.id}
                      href={`/scenarios/${s.id}`}
                      aria-current={active ? "page" : undefined}
                      className={`flex items-center justify-between rounded-lg px-2 py-1.5 text-sm transition ${s.brokers.length > 1 ? "flex-wrap gap-x-2" : ""} ${
                        active ? "bg-violet-500/10 font-medium text-violet-700 dark:text-violet-300" : "hover:bg-black/5 dark:hover:bg-white/5"
                      }`}
                    >
                      <span>{s.title}</span>
                      <span className="flex items-center gap-2 text-2xs text-[var(--muted)]">
                        {s.brokers.map((b) => {
                          const up = transportUp(b, health) ?? false;
                          return (
                            <span key={b} className="flex items-center gap-1.5" title={`${BROKER_NAMES[b]} ${up ? "up" : "down"}`}>
                              {BROKER_NAMES[b]}
                              <span className={`h-1.5 w-1.5 rounded-full ${up ? "bg-emerald-500" : "bg-rose-500"}`} />
                            </span>
                          );
                        })}
                      </span>
                    </Link>
                  );
                })}
            </div>
          ))}
          <div className="mb-5">
            <div className="px-2 pb-2 text-2xs font-semibold tracking-wider text-[var(--muted)] uppercase">Side by side</div>
            {COMPARISONS.map((c) => (
              <Link
                key={c.id}
                href={`/compare/${c.id}`}
                aria-current={c.id === activeId ? "page" : undefined}
                className={`block rounded-lg px-2 py-1.5 text-sm transition ${c.id === activeId ? "bg-violet-500/10 font-medium text-violet-700 dark:text-violet-300" : "hover:bg-black/5 dark:hover:bg-white/5"}`}
              >
                {c.title}
              </Link>
            ))}
          </div>
          <div className="mt-6 border-t border-[var(--line)] pt-4">
            <Link
              href="/observe"
              aria-current={activeId === OBSERVED_ID ? "page" : undefined}
              className={`flex items-center justify-between rounded-lg px-2 py-1.5 text-sm transition ${activeId === OBSERVED_ID ? "bg-violet-500/10 font-medium text-violet-700 dark:text-violet-300" : "hover:bg-black/5 dark:hover:bg-white/5"}`}
              title="Tap your own applications' subjects, channels and topics"
            >
              <span>Your own apps</span>
              <span className="text-2xs text-[var(--muted)]">observe</span>
            </Link>
            <Link href="/replay" className="flex items-center justify-between rounded-lg px-2 py-1.5 text-sm hover:bg-black/5 dark:hover:bg-white/5" title="Replay a recorded run, without brokers">
              <span>Recorded runs</span>
              <span className="text-2xs text-[var(--muted)]">offline</span>
            </Link>
          </div>
        </nav>
        <main className="min-w-0 flex-1 p-5 stage:p-3">{children}</main>
      </div>
    </StageRoot>
  );
}

function HeaderLink({ href, active, children }: { href: string; active: boolean; children: ReactNode }) {
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={`rounded-lg px-2.5 py-1 text-sm font-medium transition ${active ? "bg-violet-500/10 text-violet-700 dark:text-violet-300" : "text-[var(--muted)] hover:bg-black/5 hover:text-[var(--ink)] dark:hover:bg-white/5"}`}
    >
      {children}
    </Link>
  );
}
