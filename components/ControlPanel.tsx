"use client";
import { useState, type ReactNode } from "react";
import type { CommandResult, CommandType, PublishField, ScenarioInfo, ScenarioState } from "../lib/protocol";
import { ariaKeyShortcuts, nextToKill, titleWithShortcut } from "../lib/shortcuts";
import { useShortcuts } from "./Shortcuts";

type Send = (command: { type: CommandType; [field: string]: unknown }) => Promise<CommandResult>;

interface ControlPanelProps {
  info: ScenarioInfo;
  state: ScenarioState | null;
  brokerUp: boolean;
  onStart: () => Promise<CommandResult>;
  onStop: () => Promise<CommandResult>;
  onCommand: Send;
}

const button = "inline-flex items-center justify-center gap-1.5 rounded-lg px-3 py-1.5 text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-40";
const primary = `${button} bg-violet-600 text-white shadow-sm hover:bg-violet-500`;
const secondary = `${button} border border-[var(--line)] bg-[var(--panel)] hover:bg-black/5 dark:hover:bg-white/5`;

/** The presenter's controls. Every button is also an HTTP call in the automation API. */
export function ControlPanel({ info, state, brokerUp, onStart, onStop, onCommand }: ControlPanelProps) {
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [burst, setBurst] = useState(20);
  const [fields, setFields] = useState<Record<string, string>>(() => Object.fromEntries((info.publishFields ?? []).map((f) => [f.name, f.initial])));
  const running = state?.running ?? false;
  const publish = (count?: number) => onCommand({ type: "publish", ...(count ? { count } : {}), ...publishArgs(info.publishFields ?? [], fields) });
  const receiverRoles = info.roles.filter((r) => r.killable);
  const cancels = info.commands.some((c) => c.type === "cancel");

  const run = async (label: string, action: () => Promise<CommandResult>, success?: (result: unknown) => string) => {
    setBusy(label);
    setMessage(null);
    const answer = await action();
    setBusy(null);
    if (!answer.ok) setMessage({ error: true, text: answer.error.message });
    else if (success) setMessage({ error: false, text: success(answer.result) });
  };

  // The keys do what the buttons do, and only when the buttons could be pressed.
  const ready = (what: string) => {
    if (busy !== null) return false;
    if (!running) setMessage({ error: true, text: `Start the scenario first, then ${what}.` });
    else if (!brokerUp) setMessage({ error: true, text: "A broker this scenario needs is down." });
    return running && brokerUp;
  };
  const send = () => run("send", () => publish(), (r) => routedSummary(r));
  const sendBurst = () => run("burst", () => publish(burst));
  const addActor = (role: string) => run("add", () => onCommand({ type: "add-actor", role }), (r) => `Added ${(r as { actorId: string }).actorId}`);
  const killActor = (actorId: string, pid: number) => run("kill", () => onCommand({ type: "kill-actor", actorId }), () => `SIGKILL sent to ${actorId} (pid ${pid})`);
  const firstRole = receiverRoles[0];
  const victim = nextToKill(state?.actors ?? [], receiverRoles.map((r) => r.name));
  useShortcuts({
    send: () => ready("send") && void send(),
    burst: () => ready("send a burst") && void sendBurst(),
    add: () => {
      if (!firstRole || !ready(`add a ${firstRole.name}`)) return;
      void addActor(firstRole.name);
    },
    kill: () => {
      if (!ready("kill")) return;
      if (victim) void killActor(victim.id, victim.pid);
      else setMessage({ error: true, text: "No actor left alive to kill." });
    },
  });

  return (
    <section aria-label="Controls" className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        {!running ? (
          <button type="button" className={primary} disabled={!brokerUp || busy !== null} onClick={() => run("start", onStart)}>
            {busy === "start" ? "Starting…" : "Start scenario"}
          </button>
        ) : (
          <>
            <button type="button" className={primary} disabled={!brokerUp || busy !== null} onClick={send} aria-keyshortcuts={ariaKeyShortcuts("send")} title={titleWithShortcut("Send one message", "send")}>
              {info.publishLabel}
            </button>
            <span className="inline-flex items-stretch overflow-hidden rounded-lg border border-[var(--line)]">
              <input
                type="number"
                min={1}
                max={1000}
                value={burst}
                onChange={(e) => setBurst(Math.max(1, Math.min(1000, Number(e.target.value) || 1)))}
                aria-label="Burst size"
                className="w-16 bg-transparent px-2 text-sm tabular-nums outline-none"
              />
              <button
                type="button"
                className="border-l border-[var(--line)] px-3 py-1.5 text-sm font-medium transition hover:bg-black/5 disabled:opacity-40 dark:hover:bg-white/5"
                disabled={!brokerUp || busy !== null}
                onClick={sendBurst}
                aria-keyshortcuts={ariaKeyShortcuts("burst")}
                title={titleWithShortcut(`Send ${burst} messages at once`, "burst")}
              >
                Send burst
              </button>
            </span>
            {receiverRoles.map((role) => (
              <button
                key={role.name}
                type="button"
                className={secondary}
                title={role === firstRole ? titleWithShortcut(role.description, "add") : role.description}
                aria-keyshortcuts={role === firstRole ? ariaKeyShortcuts("add") : undefined}
                disabled={!brokerUp || busy !== null}
                onClick={() => addActor(role.name)}
              >
                + Add {role.name}
              </button>
            ))}
            {cancels && (
              <button
                type="button"
                className={secondary}
                title="Cancel every call still in flight: each ends CANCELLED for its caller"
                disabled={busy !== null}
                onClick={() => run("cancel", () => onCommand({ type: "cancel" }), (r) => `Cancelled ${(r as { cancelled: number }).cancelled} call(s) in flight`)}
              >
                Cancel in flight
              </button>
            )}
          </>
        )}
        <span className="ml-auto flex gap-2">
          <button type="button" className={secondary} disabled={busy !== null} onClick={() => run("reset", () => onCommand({ type: "reset" }))} title="Clear the ledger and the hop log">
            Reset
          </button>
          {running && (
            <button type="button" className={secondary} disabled={busy !== null} onClick={() => run("stop", onStop)}>
              Stop
            </button>
          )}
        </span>
      </div>

      {running && info.publishFields && (
        <div className="grid grid-cols-3 gap-2">
          {info.publishFields.map((f) => (
            <label key={f.name} className={`block rounded-lg border border-[var(--line)] bg-[var(--panel)] px-2 py-1 ${info.publishFields?.length === 1 ? "col-span-3" : ""}`}>
              <span className="block text-3xs text-[var(--muted)]">{f.label}</span>
              {f.options ? (
                <select value={fields[f.name] ?? f.initial} onChange={(e) => setFields({ ...fields, [f.name]: e.target.value })} className="w-full bg-transparent font-mono text-sm outline-none" aria-label={f.label}>
                  {f.options.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input value={fields[f.name] ?? ""} placeholder={f.placeholder} onChange={(e) => setFields({ ...fields, [f.name]: e.target.value })} className="w-full bg-transparent font-mono text-sm outline-none" aria-label={f.label} />
              )}
            </label>
          ))}
        </div>
      )}

      {info.settings.length > 0 && (
        <div className="grid grid-cols-3 gap-2">
          {info.settings.map((s) => (
            <SettingField key={s.name} label={s.label} unit={s.unit} min={s.min} max={s.max} step={s.step} value={state?.settings[s.name]} disabled={!brokerUp} onCommit={(value) => run("set", () => onCommand({ type: "set", [s.name]: value }), () => `${s.label} set to ${value}${s.unit ? ` ${s.unit}` : ""}`)} />
          ))}
        </div>
      )}

      {state && state.actors.length > 0 && (
        <ul className="flex flex-wrap gap-1.5" aria-label="Actors">
          {state.actors.map((a) => {
            const killable = info.roles.find((r) => r.name === a.role)?.killable ?? false;
            const next = a === victim;
            return (
              <Chip key={a.id} alive={a.alive} connected={a.connected}>
                <span className="font-medium">{a.id}</span>
                <span className="text-[var(--muted)]">pid {a.pid}</span>
                {killable && a.alive && (
                  <button
                    type="button"
                    aria-label={`Kill ${a.id}`}
                    aria-keyshortcuts={next ? ariaKeyShortcuts("kill") : undefined}
                    title={next ? titleWithShortcut(`SIGKILL ${a.id}, the next to be killed`, "kill") : `SIGKILL ${a.id}`}
                    className="ml-1 rounded px-1 text-3xs font-bold text-rose-600 uppercase hover:bg-rose-500 hover:text-white dark:text-rose-300"
                    onClick={() => killActor(a.id, a.pid)}
                  >
                    kill
                  </button>
                )}
              </Chip>
            );
          })}
        </ul>
      )}

      <p role="status" aria-live="polite" className={`min-h-[1.25rem] text-xs ${message?.error ? "text-rose-600 dark:text-rose-400" : "text-[var(--muted)]"}`}>
        {message?.text ?? ""}
      </p>
    </section>
  );
}

function Chip({ alive, connected, children }: { alive: boolean; connected: boolean; children: ReactNode }) {
  return (
    <li className={`flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs ${alive ? "border-[var(--line)]" : "border-rose-500/30 bg-rose-500/5 line-through decoration-rose-400"}`}>
      <span className={`h-1.5 w-1.5 rounded-full ${!alive ? "bg-rose-500" : connected ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`} />
      {children}
    </li>
  );
}

function SettingField(props: { label: string; unit: string; min: number; max: number; step: number; value: number | undefined; disabled: boolean; onCommit: (value: number) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (props.value === undefined ? "" : String(props.value));
  const commit = () => {
    if (draft === null) return;
    const value = Number(draft);
    setDraft(null);
    if (draft.trim() !== "" && Number.isFinite(value) && value !== props.value) props.onCommit(value);
  };
  return (
    <label className="block rounded-lg border border-[var(--line)] bg-[var(--panel)] px-2 py-1">
      <span className="block text-3xs text-[var(--muted)]">{props.label}</span>
      <span className="flex items-baseline gap-1">
        <input
          type="number"
          min={props.min}
          max={props.max}
          step={props.step}
          value={shown}
          disabled={props.disabled}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === "Enter" && commit()}
          className="w-full bg-transparent font-mono text-sm tabular-nums outline-none"
          aria-label={props.label}
        />
        <span className="text-3xs text-[var(--muted)]">{props.unit}</span>
      </span>
    </label>
  );
}

/** The publish fields as command fields; headers are typed as "name=value, name=value". */
function publishArgs(spec: readonly PublishField[], values: Record<string, string>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const field of spec) {
    const value = (values[field.name] ?? field.initial).trim();
    if (field.name === "priority" || field.name === "ttlMs") {
      if (value !== "") args[field.name] = Number(value);
      continue;
    }
    if (field.name !== "headers") {
      args[field.name] = value;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const pair of value.split(",")) {
      const [name, ...rest] = pair.split("=");
      if (name?.trim()) headers[name.trim()] = rest.join("=").trim();
    }
    args.headers = headers;
  }
  return args;
}

function routedSummary(result: unknown): string {
  const routed = (result as { routedTo?: string[] } | null)?.routedTo;
  if (!routed) return "";
  return routed.length ? `Routed to ${routed.join(", ")}` : "No binding matched: the broker will return it";
}
