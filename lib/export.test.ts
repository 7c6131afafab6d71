import { describe, expect, test } from "vitest";
import { castOf } from "./cast";
import { sequenceMermaid, sequenceSvg, type ExportPalette } from "./export";
import { hops } from "./fixtures";
import type { ScenarioInfo } from "./protocol";

const scenario = {
  roles: [{ name: "requester", description: "", min: 1, max: 1, killable: false }],
  channels: [{ id: "subj", label: "inventory.check <main>", kind: "subject" }],
} as unknown as ScenarioInfo;

const list = hops(`
  published requester-1>subj m1 t=0
  delivered subj>responder-1 m1 t=1
  actor-killed responder-1>responder-1 responder t=2
  timeout requester-1>requester-1 m1 t=5
  retry requester-1>subj m1@2 t=6
  delivered subj>responder-2 m1@2 t=7
  replied responder-2>subj m1@2 t=8
  reply-received subj>requester-1 m1@2 t=9 rtt=3.25
`);
const actors = [
  { id: "requester-1", role: "requester", pid: 1, alive: true, connected: true },
  { id: "responder-1", role: "responder", pid: 2, alive: false, connected: false },
  { id: "responder-2", role: "responder", pid: 3, alive: true, connected: true },
  { id: "responder-3", role: "responder", pid: 4, alive: true, connected: true },
];
const cast = castOf(scenario, actors, list);
const palette = { background: "#fff", text: "#000", muted: "#666", lifeline: "#ccc", channel: "#80f", kinds: new Proxy({}, { get: () => "#123456" }) } as unknown as ExportPalette;

describe("export", () => {
  test("Mermaid: one participant per lane in use, one message per hop, a note for the kill", () => {
    const text = sequenceMermaid(cast, list, "Request / reply");
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("sequenceDiagram");
    expect(lines.filter((l) => l.trim().startsWith("participant"))).toHaveLength(4);
    // responder-3 took no part, and the channel's label loses Mermaid's reserved characters.
    expect(text).not.toContain("responder-3");
    expect(text).toContain("as inventory.check main");
    expect(lines.filter((l) => /->>|--x/.test(l))).toHaveLength(7);
    expect(text).toMatch(/Note over A\d: SIGKILL/);
    expect(text).toMatch(/A\d--xA\d: timeout m1/);
    expect(text).toMatch(/reply received attempt 2 m1 rtt 3\.250 ms/);
  });

  test("SVG: a standalone document with escaped text and every arrow", () => {
    const svg = sequenceSvg(cast, list, palette, "A & B <test>");
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain("A &amp; B &lt;test&gt;");
    expect(svg).toContain("inventory.check &lt;main&gt;");
    expect(svg.match(/<polygon /g)).toHaveLength(6);
    expect(svg).toContain("retry #2");
    expect(svg).not.toContain("responder-3");
  });
});
