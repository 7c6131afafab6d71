"use client";
import type { ReactNode } from "react";
import type { Shortcut } from "../lib/shortcuts";
import { ShortcutsButton, ShortcutsOverlay } from "./Shortcuts";
import { StageButton } from "./Stage";

interface ScreenToolsProps {
  /** Live only: the recorder. */
  recorder?: ReactNode;
  shortcutsOpen: boolean;
  onShortcutsOpen: (open: boolean) => void;
  /** The list of keys names the presenter's own. */
  presenter: boolean;
  /** The keys this page has, where they are not a scenario's. */
  shortcuts?: readonly Shortcut[];
}

/** The right end of a live picture's header: recording, the list of keys, and the stage. */
export function ScreenTools({ recorder, shortcutsOpen, onShortcutsOpen, presenter, shortcuts }: ScreenToolsProps) {
  return (
    <div className="ml-auto flex items-center gap-3">
      <div className="contents stage:hidden">
        {recorder}
        <ShortcutsButton onClick={() => onShortcutsOpen(true)} />
      </div>
      <StageButton />
      <ShortcutsOverlay open={shortcutsOpen} onClose={() => onShortcutsOpen(false)} presenter={presenter} shortcuts={shortcuts} />
    </div>
  );
}
