"use client";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ariaKeyShortcuts, titleWithShortcut } from "../lib/shortcuts";

/**
 * Stage mode: the picture alone, full screen and in type a room can read off a projector. One
 * flag on the page root restyles the components in place, so there is one picture to keep right.
 */
export interface Stage {
  on: boolean;
  toggle: () => void;
  leave: () => void;
}

const OFF: Stage = { on: false, toggle: () => {}, leave: () => {} };
const StageContext = createContext<Stage>(OFF);

export function useStage(): Stage {
  return useContext(StageContext);
}

/** Whether the page is in stage mode: for a component that only sizes itself by it. */
export function useOnStage(): boolean {
  return useContext(StageContext).on;
}

function fullscreen(): Element | null {
  return typeof document === "undefined" ? null : document.fullscreenElement;
}

/**
 * Kept for the tab: every page has its own root, and a projector's browser that follows the
 * presenter to the next scenario, or is reloaded, should stay on stage.
 */
const STAGE_KEY = "hopscope.stage";

function remember(on: boolean): void {
  try {
    if (on) sessionStorage.setItem(STAGE_KEY, "on");
    else sessionStorage.removeItem(STAGE_KEY);
  } catch {
    // Storage may be off (private mode, a locked-down kiosk): the stage then lasts for the page.
  }
}

/** The page root: it holds the flag, as `data-stage`, that the stage's styles key on. */
export function StageRoot({ className, children }: { className?: string; children: ReactNode }) {
  const [on, setOn] = useState(false);
  // Set once our own request succeeds: leaving full screen some other way then leaves the stage too.
  const ownsFullscreen = useRef(false);
  // After hydration, not in the first render: the server cannot know this tab's choice.
  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = sessionStorage.getItem(STAGE_KEY);
    } catch {
      stored = null;
    }
    if (stored !== "on") return;
    // Still full screen from the page before: it is ours to leave.
    ownsFullscreen.current = fullscreen() !== null;
    setOn(true);
  }, []);

  const leave = useCallback(() => {
    setOn(false);
    remember(false);
    if (ownsFullscreen.current && fullscreen()) void document.exitFullscreen().catch(() => {});
    ownsFullscreen.current = false;
  }, []);
  const enter = useCallback(() => {
    setOn(true);
    remember(true);
    // A browser may refuse (no user gesture, a kiosk, a headless test): stage mode works without it.
    const root = document.documentElement;
    if (!fullscreen() && typeof root.requestFullscreen === "function") {
      root
        .requestFullscreen({ navigationUI: "hide" })
        .then(() => {
          ownsFullscreen.current = true;
        })
        .catch(() => {});
    }
  }, []);
  const toggle = useCallback(() => (on ? leave() : enter()), [on, enter, leave]);

  useEffect(() => {
    if (!on) return;
    const onChange = () => {
      if (ownsFullscreen.current && !fullscreen()) {
        ownsFullscreen.current = false;
        setOn(false);
        remember(false);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      // A dialog's Escape is the dialog's.
      if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
      leave();
    };
    document.addEventListener("fullscreenchange", onChange);
    window.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("fullscreenchange", onChange);
      window.removeEventListener("keydown", onKey);
    };
  }, [on, leave]);

  const value = useMemo(() => ({ on, toggle, leave }), [on, toggle, leave]);
  return (
    <StageContext.Provider value={value}>
      <div className={className} data-stage={on ? "on" : undefined} data-testid="page-root">
        {children}
      </div>
    </StageContext.Provider>
  );
}

/** The header's switch; on stage it is the one control left, to come back. */
export function StageButton() {
  const { on, toggle } = useStage();
  return (
    <button
      type="button"
      onClick={toggle}
      aria-keyshortcuts={ariaKeyShortcuts("stage")}
      title={titleWithShortcut(on ? "Leave stage mode (or Esc)" : "Stage mode: full screen, large type, for the projector", "stage")}
      data-testid="stage-button"
      // An icon beside the desk's header, so it still fits beside the summary; words on stage.
      className="inline-flex items-center gap-1.5 rounded-lg border border-[var(--line)] px-2 py-1.5 text-sm text-[var(--muted)] transition hover:bg-black/5 hover:text-[var(--ink)] dark:hover:bg-white/5"
    >
      <svg viewBox="0 0 20 20" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
        {on ? <path d="M7 2.5V7H2.5M13 2.5V7h4.5M7 17.5V13H2.5M13 17.5V13h4.5" /> : <path d="M2.5 7V2.5H7M17.5 7V2.5H13M2.5 13v4.5H7M17.5 13v4.5H13" />}
      </svg>
      {on ? <span>Leave stage</span> : <span className="sr-only">Stage mode</span>}
    </button>
  );
}
