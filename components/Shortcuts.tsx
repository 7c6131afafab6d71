"use client";
import { useEffect, useLayoutEffect, useRef } from "react";
import { ariaKeyShortcuts, keyLabel, matchShortcut, SHORTCUTS, type Shortcut, type ShortcutAction } from "../lib/shortcuts";
import { Modal } from "./Modal";

export type ShortcutHandlers = Partial<Record<ShortcutAction, () => void>>;

/**
 * Listens for the scenario page's shortcuts and runs the handlers given here; an action without
 * a handler leaves its key alone, so several parts of a page can each take their own.
 */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const latest = useRef(handlers);
  // Before paint, not after: a key pressed right after a render must see that render's state,
  // or a send that just finished would still look busy and the next key would be dropped.
  useLayoutEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      // An open dialog owns the keyboard until it closes: Escape, Tab, and nothing behind it.
      if (document.querySelector("dialog[open]")) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      const shortcut = matchShortcut(event, target);
      const run = shortcut ? latest.current[shortcut.action] : undefined;
      if (!run) return;
      event.preventDefault();
      run();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}

/** The button that opens the list, for whoever does not know to press `?`. */
export function ShortcutsButton({ onClick }: { onClick: () => void }) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-haspopup="dialog"
      aria-keyshortcuts={ariaKeyShortcuts("help")}
      title="Keyboard shortcuts (?)"
      data-testid="shortcuts-button"
      className="inline-flex items-center gap-1.5 rounded-lg border border-[var(--line)] px-2.5 py-1.5 text-sm text-[var(--muted)] transition hover:bg-black/5 hover:text-[var(--ink)] dark:hover:bg-white/5"
    >
      <svg viewBox="0 0 20 14" className="h-3.5 w-5" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden>
        <rect x="0.75" y="0.75" width="18.5" height="12.5" rx="2" />
        <path d="M4 4.5h1M7.5 4.5h1M11 4.5h1M14.5 4.5h1M4 7.5h1M7.5 7.5h1M11 7.5h1M14.5 7.5h1M6 10.5h8" strokeLinecap="round" />
      </svg>
      Shortcuts
      <Key small>?</Key>
    </button>
  );
}

function Key({ children, small = false }: { children: string; small?: boolean }) {
  return (
    <kbd
      className={`inline-grid place-items-center rounded-lg border border-b-[3px] border-slate-300 bg-slate-50 font-mono font-semibold text-slate-800 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 ${small ? "min-w-5 px-1 text-xs" : "h-11 min-w-11 px-2.5 text-xl"}`}
    >
      {children}
    </kbd>
  );
}

function Group({ title, shortcuts }: { title: string; shortcuts: readonly Shortcut[] }) {
  return (
    <section>
      <h3 className="mb-3 text-sm font-semibold tracking-wider text-[var(--muted)] uppercase">{title}</h3>
      {/* A grid, so each group's labels line up after its widest keys and no further. */}
      <ul className="grid grid-cols-[auto_1fr] items-center gap-x-5 gap-y-3">
        {shortcuts.map((s) => (
          <li key={s.action} className="col-span-2 grid grid-cols-subgrid items-center" data-testid="shortcut" data-action={s.action}>
            <span className="flex items-center gap-1.5">
              {s.keys.map((key, i) => (
                <span key={key} className="flex items-center gap-1.5">
                  {i > 0 && <span className="text-sm text-[var(--muted)]">or</span>}
                  <Key>{keyLabel(key)}</Key>
                </span>
              ))}
            </span>
            <span className="text-xl">{s.label}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface ShortcutsOverlayProps {
  open: boolean;
  onClose: () => void;
  presenter: boolean;
  /** The page's own list, where it has fewer keys than a scenario or says them in its own words. */
  shortcuts?: readonly Shortcut[];
}

/** Every shortcut this browser has, large enough to read off a projector. */
export function ShortcutsOverlay({ open, onClose, presenter, shortcuts = SHORTCUTS }: ShortcutsOverlayProps) {
  const acting = shortcuts.filter((s) => s.presenterOnly);
  const picture = shortcuts.filter((s) => !s.presenterOnly);
  const paced = picture.some((s) => s.action === "pause");
  const showActing = presenter && acting.length > 0;
  return (
    <Modal
      open={open}
      onClose={onClose}
      title="Keyboard shortcuts"
      subtitle={presenter ? "Not while typing in a field, and not with Ctrl, Alt or ⌘." : paced ? "The picture's pace is yours: it changes this screen only." : "They change this screen only."}
      testId="shortcuts-overlay"
    >
      <div className={`grid gap-x-14 gap-y-8 ${showActing ? "md:grid-cols-2" : ""}`}>
        {showActing && <Group title="Messages and actors" shortcuts={acting} />}
        <Group title="The picture" shortcuts={picture} />
      </div>
    </Modal>
  );
}
