import { describe, expect, it } from "vitest";
import { ariaKeyShortcuts, isTypingTarget, matchShortcut, nextSpeed, nextToKill, SHORTCUTS, titleWithShortcut, type KeyPress } from "./shortcuts";

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, ...extra });
const page = { tagName: "BODY", isContentEditable: false };
const actionOf = (p: KeyPress, target: Parameters<typeof matchShortcut>[1] = page) => matchShortcut(p, target)?.action ?? null;

describe("the shortcut key map", () => {
  it("gives every presenter action a key", () => {
    expect(SHORTCUTS.map((s) => s.action).sort()).toEqual(["add", "burst", "faster", "help", "kill", "pause", "send", "slower", "stage", "step"]);
  });

  it("gives no two actions the same key", () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys.map((k) => k.toLowerCase()));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("lets every browser, the audience's too, take the picture on stage", () => {
    expect(SHORTCUTS.find((s) => s.action === "stage")).toMatchObject({ keys: ["f"], presenterOnly: false, repeats: false });
  });

  it("marks what acts on the brokers as the presenter's only", () => {
    const presenterOnly = SHORTCUTS.filter((s) => s.presenterOnly).map((s) => s.action).sort();
    expect(presenterOnly).toEqual(["add", "burst", "kill", "send"]);
  });
});

describe("matchShortcut", () => {
  it("maps each key to its action", () => {
    expect(actionOf(press("s"))).toBe("send");
    expect(actionOf(press("b"))).toBe("burst");
    expect(actionOf(press("k"))).toBe("kill");
    expect(actionOf(press("a"))).toBe("add");
    expect(actionOf(press("p"))).toBe("pause");
    expect(actionOf(press("."))).toBe("step");
    expect(actionOf(press("-"))).toBe("slower");
    expect(actionOf(press("+"))).toBe("faster");
    expect(actionOf(press("="))).toBe("faster");
    expect(actionOf(press("?"))).toBe("help");
    expect(actionOf(press("f"))).toBe("stage");
    expect(actionOf(press("F"))).toBe("stage");
  });

  it("takes letters with Caps Lock or Shift as the same key", () => {
    expect(actionOf(press("S", {}))).toBe("send");
    expect(actionOf(press("K", {}))).toBe("kill");
  });

  it("ignores keys that mean nothing here", () => {
    expect(actionOf(press("x"))).toBeNull();
    expect(actionOf(press("Enter"))).toBeNull();
    expect(actionOf(press(" "))).toBeNull();
  });

  it("leaves keys with Ctrl, Meta or Alt to the browser and the system", () => {
    expect(actionOf(press("s", { ctrlKey: true }))).toBeNull();
    expect(actionOf(press("k", { metaKey: true }))).toBeNull();
    expect(actionOf(press("a", { altKey: true }))).toBeNull();
    expect(actionOf(press("?", { ctrlKey: true }))).toBeNull();
  });

  it("never fires while the presenter types", () => {
    for (const tagName of ["INPUT", "TEXTAREA", "SELECT", "input", "textarea", "select"]) {
      expect(actionOf(press("s"), { tagName })).toBeNull();
      expect(actionOf(press("?"), { tagName })).toBeNull();
      expect(actionOf(press("f"), { tagName })).toBeNull();
    }
    expect(actionOf(press("k"), { tagName: "DIV", isContentEditable: true })).toBeNull();
    expect(actionOf(press("s", { isComposing: true }))).toBeNull();
  });

  it("fires from buttons, links and the page itself", () => {
    expect(actionOf(press("s"), { tagName: "BUTTON" })).toBe("send");
    expect(actionOf(press("s"), { tagName: "A" })).toBe("send");
    expect(actionOf(press("s"), null)).toBe("send");
  });

  it("does not repeat a publish or a kill while the key is held, but steps on", () => {
    expect(actionOf(press("s", { repeat: true }))).toBeNull();
    expect(actionOf(press("b", { repeat: true }))).toBeNull();
    expect(actionOf(press("k", { repeat: true }))).toBeNull();
    expect(actionOf(press("a", { repeat: true }))).toBeNull();
    expect(actionOf(press("p", { repeat: true }))).toBeNull();
    expect(actionOf(press(".", { repeat: true }))).toBe("step");
    expect(actionOf(press("-", { repeat: true }))).toBe("slower");
  });
});

describe("isTypingTarget", () => {
  it("knows form fields and editable text", () => {
    expect(isTypingTarget({ tagName: "INPUT" })).toBe(true);
    expect(isTypingTarget({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: "BUTTON" })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("labels", () => {
  it("names the shortcut in a button's title and for assistive technology", () => {
    expect(titleWithShortcut("Send one message", "send")).toBe("Send one message (S)");
    expect(titleWithShortcut("Show the next hop", "step")).toBe("Show the next hop (.)");
    expect(ariaKeyShortcuts("kill")).toBe("K");
    expect(ariaKeyShortcuts("faster")).toBe("Shift+= =");
    expect(ariaKeyShortcuts("help")).toBe("Shift+?");
  });
});

describe("nextSpeed", () => {
  const speeds = [0.1, 0.25, 0.5, 1];
  it("steps slower and faster through the offered speeds", () => {
    expect(nextSpeed(speeds, 1, "slower")).toBe(0.5);
    expect(nextSpeed(speeds, 0.5, "slower")).toBe(0.25);
    expect(nextSpeed(speeds, 0.1, "faster")).toBe(0.25);
    expect(nextSpeed(speeds, 0.5, "faster")).toBe(1);
  });

  it("stays put at either end", () => {
    expect(nextSpeed(speeds, 0.1, "slower")).toBe(0.1);
    expect(nextSpeed(speeds, 1, "faster")).toBe(1);
  });

  it("moves a speed between two steps to the nearest one in that direction", () => {
    expect(nextSpeed(speeds, 0.3, "slower")).toBe(0.25);
    expect(nextSpeed(speeds, 0.3, "faster")).toBe(0.5);
  });
});

describe("nextToKill", () => {
  const actors = [
    { id: "requester-1", role: "requester", alive: true },
    { id: "responder-1", role: "responder", alive: false },
    { id: "responder-2", role: "responder", alive: true },
    { id: "responder-3", role: "responder", alive: true },
  ];

  it("picks the oldest actor still alive that may be killed", () => {
    expect(nextToKill(actors, ["responder"])?.id).toBe("responder-2");
  });

  it("never picks a role that may not be killed, and finds nobody when none is left", () => {
    expect(nextToKill(actors, [])).toBeNull();
    expect(nextToKill(actors.map((a) => ({ ...a, alive: a.role === "requester" })), ["responder"])).toBeNull();
  });
});
