import { describe, expect, test } from "vitest";
import { clientNamesByAddress, monitoredClientName, monitoredWrite, redisGlob, unescapeMonitorArg } from "./redis-monitor";

const everything = () => true;

describe("redis MONITOR lines", () => {
  test("a PUBLISH names its channel, payload, client and the id the payload carries, at Redis's time", () => {
    const write = monitoredWrite({ timestamp: "1765000000.250000", args: ["publish", "orders:created", '{"messageId":"m-1","total":3}'], source: "127.0.0.1:50412" }, everything);
    expect(write).toEqual({ at: 1765000000250, kind: "channel", destination: "orders:created", source: "127.0.0.1:50412", body: '{"messageId":"m-1","total":3}', messageId: "m-1" });
  });

  test("an XADD past its options gives the entry's fields, and its messageId field", () => {
    const write = monitoredWrite({ timestamp: "1765000000.5", args: ["XADD", "jobs", "MAXLEN", "~", "1000", "LIMIT", "10", "*", "messageId", "j-7", "payload", "{}"], source: "127.0.0.1:1" }, everything);
    expect(write?.kind).toBe("stream");
    expect(write?.destination).toBe("jobs");
    expect(JSON.parse(write?.body ?? "null")).toEqual({ messageId: "j-7", payload: "{}" });
    expect(write?.messageId).toBe("j-7");
    expect(monitoredWrite({ timestamp: "1", args: ["XADD", "jobs", "NOMKSTREAM", "1-1", "a", "b"], source: "x" }, everything)?.body).toBe('{"a":"b"}');
  });

  test("reads, acks, other keys, odd field counts and bad clocks are not writes", () => {
    const at = "1765000000.1";
    expect(monitoredWrite({ timestamp: at, args: ["XACK", "jobs", "g", "1-1"], source: "x" }, everything)).toBeNull();
    expect(monitoredWrite({ timestamp: at, args: ["GET", "k"], source: "x" }, everything)).toBeNull();
    expect(monitoredWrite({ timestamp: at, args: ["PUBLISH", "other", "x"], source: "x" }, (key) => key === "orders")).toBeNull();
    expect(monitoredWrite({ timestamp: at, args: ["XADD", "jobs", "*", "lonely"], source: "x" }, everything)).toBeNull();
    expect(monitoredWrite({ timestamp: "soon", args: ["PUBLISH", "c", "x"], source: "x" }, everything)).toBeNull();
    expect(monitoredWrite({ timestamp: at, args: ["PUBLISH"], source: "x" }, everything)).toBeNull();
  });

  test("MONITOR's quoting is undone", () => {
    expect(unescapeMonitorArg('line\\none \\"quoted\\" \\\\ \\x41\\t')).toBe('line\none "quoted" \\ A\t');
  });

  test("globs match as PSUBSCRIBE does", () => {
    expect(redisGlob("orders:*").test("orders:created")).toBe(true);
    expect(redisGlob("orders:*").test("payments:created")).toBe(false);
    expect(redisGlob("h?llo").test("hallo")).toBe(true);
    expect(redisGlob("h[ae]llo").test("hello")).toBe(true);
    expect(redisGlob("h[^e]llo").test("hello")).toBe(false);
    expect(redisGlob("h[a-c]llo").test("hbllo")).toBe(true);
    expect(redisGlob("a.b+(c)").test("a.b+(c)")).toBe(true);
    expect(redisGlob("a.b").test("axb")).toBe(false);
    expect(redisGlob("star\\*").test("star*")).toBe(true);
    expect(redisGlob("star\\*").test("starry")).toBe(false);
    expect(redisGlob("open[").test("open[")).toBe(true);
  });

  test("client names come from CLIENT LIST by address; unnamed clients are left out", () => {
    const list = "id=3 addr=127.0.0.1:50412 laddr=127.0.0.1:6379 fd=8 name=order-service age=2 db=0\nid=4 addr=127.0.0.1:50413 laddr=127.0.0.1:6379 fd=9 name= age=1 db=0\n";
    expect([...clientNamesByAddress(list)]).toEqual([["127.0.0.1:50412", "order-service"]]);
  });

  test("a client naming itself is read from the stream: CLIENT SETNAME, HELLO's SETNAME, and a name cleared", () => {
    const at = (...args: string[]) => monitoredClientName({ timestamp: "1796687320.020053", args, source: "127.0.0.1:41208" });
    expect(at("client", "setname", "alerts-app")).toBe("alerts-app");
    expect(at("client", "setname", "")).toBe("");
    expect(at("hello", "3", "auth", "(redacted)", "(redacted)", "setname", "order-service")).toBe("order-service");
    expect(at("hello", "3")).toBeNull();
    expect(at("hello", "3", "setname")).toBeNull();
    expect(at("client", "getname")).toBeNull();
    expect(at("publish", "setname", "x")).toBeNull();
  });
});
