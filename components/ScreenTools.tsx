"use client";
import type { ReactNode } from "react";
import { ShortcutsButton, ShortcutsOverlay } from "./Shortcuts";
import { StageButton } from "./Stage";

interface ScreenToolsProps {
  /** Live only: the recorder. */
  recorder?: ReactNode;
  shortcutsOpen: boolean;
  onShortcutsOpen: (open: boolean) => void;
  /** The list of keys names the presenter's own. */
  presenter: boolean;
}

/** The right end of a live picture's header: recording, the list of keys, and the stage. */
export function ScreenTools({ recorder, shortcutsOpen, onShortcutsOpen, presenter }: ScreenToolsProps) {
  return (
    <div className="ml-auto flex items-center gap-3">
      <div className="contents stage:hidden">
        {recorder}
        <ShortcutsButton onClick={() => onShortcutsOpen(true)} />
      </div>
      <StageButton />
      <ShortcutsOverlay open={shortcutsOpen} onClose={() => onShortcutsOpen(false)} presenter={presenter} />
    </div>
  );
}
