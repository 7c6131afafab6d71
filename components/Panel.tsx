import type { ReactNode } from "react";

export function Panel({ title, aside, className = "", bodyClassName = "", children, testId }: { title?: string; aside?: ReactNode; className?: string; bodyClassName?: string; children: ReactNode; testId?: string }) {
  return (
    <section className={`flex flex-col overflow-hidden rounded-2xl border border-[var(--line)] bg-[var(--panel)] shadow-sm ${className}`} data-testid={testId}>
      {title && (
        <div className="flex items-center justify-between border-b border-[var(--line)] px-4 py-2">
          <h2 className="text-2xs font-semibold tracking-wider text-[var(--muted)] uppercase">{title}</h2>
          {aside}
        </div>
      )}
      <div className={`min-h-0 flex-1 ${bodyClassName}`}>{children}</div>
    </section>
  );
}
