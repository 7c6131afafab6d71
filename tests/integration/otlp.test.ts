import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { isMessageHop, type Hop } from "../../lib/protocol";
import { OTLP_MAX_BODY_BYTES } from "../../server/otlp/receiver";
import { decodeTraceRequest, encodeTraceRequest } from "../../server/otlp/protobuf";
import { api, rawRequest, hopscopeForFile, waitFor } from "./harness";

const server = hopscopeForFile();

const text = (key: string, value: string) => ({ key, value: { stringValue: value } });
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1_000)) * 1_000n}`;
const hex = (n: number, length: number) => n.toString(16).padStart(length, "0");

/** A producer's span and the consumer span linked to it, as two instrumented services would export them. */
function exchange(system: string, destination: string, n: number) {
  const traceId = hex(n, 32);
  const producerSpan = hex(n * 2 + 1, 16);
  const at = Date.now();
  const span = (spanId: string, kind: number, operation: string, startMs: number, endMs: number, extra: object = {}) => ({
    traceId,
    spanId,
    name: `${operation} ${destination}`,
    kind,
    startTimeUnixNano: nanos(startMs),
    endTimeUnixNano: nanos(endMs),
    attributes: [text("messaging.system", system), text("messaging.operation.type", operation), text("messaging.destination.name", destination)],
    ...extra,
  });
  return {
    producerSpan,
    request: {
      resourceSpans: [
        { resource: { attributes: [text("service.name", "checkout")] }, scopeSpans: [{ spans: [span(producerSpan, 4, "send", at, at + 1)] }] },
        {
          resource: { attributes: [text("service.name", "billing")] },
          scopeSpans: [{ spans: [span(hex(n * 2 + 2, 16), 5, "process", at + 2, at + 5, { links: [{ traceId, spanId: producerSpan }] }), { traceId, spanId: hex(n * 2 + 3, 16), name: "GET /", kind: 2, startTimeUnixNano: nanos(at), endTimeUnixNano: nanos(at + 1) }] }],
        },
      ],
    },
  };
}

async function observedOf(messageId: string, count: number): Promise<Hop[]> {
  return waitFor(`${count} observed hops of ${messageId}`, async () => {
    const { body } = await api<{ hops: Hop[] }>(server.base, "GET", "/api/observe/hops?since=0");
    const hops = body.hops.filter((h) => isMessageHop(h) && h.message.id === messageId);
    return hops.length >= count ? hops : undefined;
  });
}

function post(contentType: string, body: string | Uint8Array): Promise<{ status: number; type: string | null; body: Buffer }> {
  return fetch(`${server.base}/v1/traces`, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : Buffer.from(body) }).then(async (res) => ({ status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) }));
}

describe("OTLP/HTTP input", () => {
  test("JSON: a Kafka send and its linked process span become published, delivered and processed, marked as observed", async () => {
    const { request, producerSpan } = exchange("kafka", "orders", 1);
    const answer = await post("application/json", JSON.stringify(request));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual({});
    const hops = await observedOf(producerSpan, 3);
    expect(hops.map((h) => [h.kind, h.from, h.to])).toEqual([
      ["published", "checkout", "kafka:orders"],
      ["delivered", "kafka:orders", "billing"],
      ["processed", "billing", "kafka:orders"],
    ]);
    expect(hops.every((h) => isMessageHop(h) && h.source === "otlp" && h.scenarioId === "observe")).toBe(true);
  });

  test("protobuf: the same, answered in protobuf", async () => {
    const { request, producerSpan } = exchange("rabbitmq", "jobs", 2);
    const body = encodeTraceRequest(request);
    // What was encoded decodes to the same request: ids back in hex, nanoseconds as text.
    expect(JSON.stringify(decodeTraceRequest(body))).toContain(producerSpan);
    const answer = await post("application/x-protobuf", body);
    expect(answer.status).toBe(200);
    expect(answer.type).toBe("application/x-protobuf");
    const hops = await observedOf(producerSpan, 3);
    expect(hops.map((h) => h.broker)).toEqual(["rabbitmq", "rabbitmq", "rabbitmq"]);
  });

  test("a gzipped body is unpacked; one that unpacks past the limit is refused", async () => {
    const { request, producerSpan } = exchange("kafka", "payments", 4);
    const packed = await fetch(`${server.base}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipSync(JSON.stringify(request)) });
    expect(packed.status).toBe(200);
    await observedOf(producerSpan, 3);
    const bomb = await fetch(`${server.base}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: gzipSync(Buffer.alloc(OTLP_MAX_BODY_BYTES + 1, 32)) });
    expect(bomb.status).toBe(413);
    const unknown = await fetch(`${server.base}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "br" }, body: "{}" });
    expect(unknown.status).toBe(415);
  });

  test("bad bodies get a 4xx that says why, and nothing is kept", async () => {
    const before = (await api<{ lastSeq: number }>(server.base, "GET", "/api/observe/hops?since=0")).body.lastSeq;
    const json = await post("application/json", "{ not json");
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString()).message).toMatch(/not an ExportTraceServiceRequest in JSON/);

    const { request } = exchange("kafka", "orders", 3);
    const broken = JSON.parse(JSON.stringify(request)) as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
    broken.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = "not-hex";
    const schema = await post("application/json", JSON.stringify(broken));
    expect(schema.status).toBe(400);
    expect(JSON.parse(schema.body.toString()).message).toMatch(/traceId/);

    expect((await post("application/x-protobuf", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).status).toBe(400);
    expect((await post("text/plain", "hello")).status).toBe(415);
    expect((await post("application/json", "x".repeat(OTLP_MAX_BODY_BYTES + 1))).status).toBe(413);
    expect((await rawRequest(server.base, "GET", "/v1/traces", {})).status).toBe(405);

    const after = await api<{ lastSeq: number; hops: Hop[] }>(server.base, "GET", `/api/observe/hops?since=${before}`);
    expect(after.body.hops).toEqual([]);
    expect((await api(server.base, "GET", "/api/observe/hops?since=-1")).status).toBe(400);
  });
});
