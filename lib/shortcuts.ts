/** The scenario page's keyboard shortcuts, for a presenter who talks and drives at once. */

export type ShortcutAction = "send" | "burst" | "kill" | "add" | "pause" | "step" | "slower" | "faster" | "stage" | "help";

export interface Shortcut {
  action: ShortcutAction;
  /** `KeyboardEvent.key` values; the first is the one shown. */
  keys: readonly string[];
  /** What the key does, as the overlay lists it. */
  label: string;
  /** Acts on the brokers, so only the presenter's browser has it; the rest is this browser's picture. */
  presenterOnly: boolean;
  /** Held down, the key may repeat: harmless for the picture, never for a publish or a SIGKILL. */
  repeats: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: "send", keys: ["s"], label: "Send one message", presenterOnly: true, repeats: false },
  { action: "burst", keys: ["b"], label: "Send a burst", presenterOnly: true, repeats: false },
  { action: "kill", keys: ["k"], label: "Kill the next killable actor (SIGKILL)", presenterOnly: true, repeats: false },
  { action: "add", keys: ["a"], label: "Add one actor", presenterOnly: true, repeats: false },
  { action: "pause", keys: ["p"], label: "Pause or resume the animation", presenterOnly: false, repeats: false },
  { action: "step", keys: ["."], label: "Step: show the next hop", presenterOnly: false, repeats: true },
  { action: "slower", keys: ["-"], label: "Slower motion", presenterOnly: false, repeats: true },
  { action: "faster", keys: ["+", "="], label: "Faster, up to real pacing", presenterOnly: false, repeats: true },
  { action: "stage", keys: ["f"], label: "Stage mode: full screen, large type (Esc leaves)", presenterOnly: false, repeats: false },
  { action: "help", keys: ["?"], label: "Show this list", presenterOnly: false, repeats: false },
];

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((key) => [key.toLowerCase(), s] as const)));

/** What a shortcut needs to know of a key press; a DOM KeyboardEvent has all of it. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat?: boolean;
  /** An IME is still composing: the key belongs to the text being typed. */
  isComposing?: boolean;
}

/** Where the key press went; a DOM element has all of it. */
export interface KeyTarget {
  tagName?: string;
  isContentEditable?: boolean;
}

const TYPING_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** A key pressed while typing belongs to the text, not to the page. */
export function isTypingTarget(target: KeyTarget | null | undefined): boolean {
  if (!target) return false;
  return TYPING_TAGS.has((target.tagName ?? "").toUpperCase()) || target.isContentEditable === true;
}

/**
 * The shortcut a key press means, or null. A modifier (Ctrl, Meta, Alt) leaves the key to the
 * browser and the system; Shift is allowed, since `?` and `+` need it on most layouts.
 */
export function matchShortcut(press: KeyPress, target: KeyTarget | null | undefined): Shortcut | null {
  if (press.ctrlKey || press.metaKey || press.altKey || press.isComposing) return null;
  if (isTypingTarget(target)) return null;
  const shortcut = BY_KEY.get(press.key.toLowerCase());
  if (!shortcut) return null;
  if (press.repeat && !shortcut.repeats) return null;
  return shortcut;
}

export function shortcutFor(action: ShortcutAction): Shortcut {
  const shortcut = SHORTCUTS.find((s) => s.action === action);
  if (!shortcut) throw new Error(`no shortcut for ${action}`);
  return shortcut;
}

/** For `aria-keyshortcuts`: space-separated alternatives, as the keys pressed. */
export function ariaKeyShortcuts(action: ShortcutAction): string {
  return shortcutFor(action)
    // "+" joins keys in this attribute, so the plus key is named by what is pressed for it.
    .keys.map((key) => (key === "+" ? "Shift+=" : key === "?" ? "Shift+?" : key.toUpperCase()))
    .join(" ");
}

/** How a key is shown in titles and the overlay. */
export function keyLabel(key: string): string {
  return key.length === 1 ? key.toUpperCase() : key;
}

/** A button's title with its shortcut, e.g. "Send one message (S)". */
export function titleWithShortcut(title: string, action: ShortcutAction): string {
  return `${title} (${keyLabel(shortcutFor(action).keys[0] ?? "")})`;
}

/** The next slow-motion step from `speed`, among `speeds` (slowest first); the same one at either end. */
export function nextSpeed(speeds: readonly number[], speed: number, direction: "slower" | "faster"): number {
  const sorted = [...speeds].sort((a, b) => a - b);
  if (direction === "slower") return [...sorted].reverse().find((s) => s < speed) ?? sorted[0] ?? speed;
  return sorted.find((s) => s > speed) ?? sorted[sorted.length - 1] ?? speed;
}

/**
 * Who `K` kills: the oldest actor still alive among the roles that may be killed. Pressed again,
 * it works through them in order, and the buttons can say which one is next.
 */
export function nextToKill<A extends { role: string; alive: boolean }>(actors: readonly A[], killableRoles: readonly string[]): A | null {
  return actors.find((a) => a.alive && killableRoles.includes(a.role)) ?? null;
}
