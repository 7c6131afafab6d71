/**
 * The guide is read off a projector from the back of a room: text never below 16 px, secondary
 * text darker than the app's muted grey, and every control at least 48 px tall.
 */
export const SECONDARY = "text-slate-700 dark:text-slate-300";
const BUTTON = "inline-flex min-h-12 items-center justify-center gap-2 rounded-xl px-5 text-base font-semibold transition focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-violet-500 disabled:cursor-not-allowed disabled:opacity-50";
export const PRIMARY_BUTTON = `${BUTTON} bg-violet-700 text-white shadow-sm hover:bg-violet-600`;
export const SECONDARY_BUTTON = `${BUTTON} border-2 border-slate-300 bg-[var(--panel)] hover:border-violet-500 dark:border-slate-600 hover:text-violet-800 dark:hover:text-violet-200`;
export const SECTION = "rounded-2xl border border-[var(--line)] bg-[var(--panel)] p-6 shadow-sm";
export const SECTION_TITLE = "text-2xl font-semibold tracking-tight";
