"use client";
import { useEffect, useId, useRef, type ReactNode } from "react";

interface ModalProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  /** A line under the title. */
  subtitle?: ReactNode;
  children: ReactNode;
  testId?: string;
  className?: string;
}

/**
 * A native modal dialog: the browser traps focus inside, closes it on Escape and puts it above
 * everything, React Flow's layers included. Focus goes back to whatever opened it.
 */
export function Modal({ open, onClose, title, subtitle, children, testId, className = "" }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      // Explicit: where showModal puts focus on its own differs between browsers and versions.
      closeButton.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  const closed = () => {
    onClose();
    const back = opener.current;
    opener.current = null;
    if (back?.isConnected) back.focus();
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onClose={closed}
      // A click on the backdrop lands on the dialog itself, never on its content.
      onClick={(e) => e.target === e.currentTarget && ref.current?.close()}
      className={`m-auto max-h-[calc(100vh-2rem)] max-w-[calc(100vw-2rem)] overflow-auto rounded-3xl border border-[var(--line)] bg-[var(--panel)] p-0 text-[var(--ink)] shadow-2xl backdrop:bg-slate-950/70 backdrop:backdrop-blur-sm ${className}`}
    >
      {open && (
        <div className="p-8">
          <div className="mb-6 flex items-start gap-6">
            <div className="min-w-0">
              <h2 id={titleId} className="text-2xl font-semibold tracking-tight">
                {title}
              </h2>
              {subtitle && <p className="mt-1 text-base text-[var(--muted)]">{subtitle}</p>}
            </div>
            <button
              ref={closeButton}
              type="button"
              onClick={() => ref.current?.close()}
              aria-label="Close"
              aria-keyshortcuts="Escape"
              title="Close (Esc)"
              className="ml-auto inline-flex shrink-0 items-center gap-2 rounded-xl border border-[var(--line)] px-3 py-1.5 text-sm font-medium text-[var(--muted)] transition hover:bg-black/5 hover:text-[var(--ink)] focus-visible:outline-2 focus-visible:outline-violet-500 dark:hover:bg-white/5"
            >
              <kbd className="rounded border border-[var(--line)] px-1.5 font-mono text-xs">Esc</kbd>
              Close
            </button>
          </div>
          {children}
        </div>
      )}
    </dialog>
  );
}
