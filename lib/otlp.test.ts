import { describe, expect, test } from "vitest";
import { messageHopDraftSchema } from "./protocol";
import { exportTraceRequestSchema, hopsOfSpan, messagingSpans, OTLP_MAX_SPANS } from "./otlp";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const PRODUCER_SPAN = "b7ad6b7169203331";
const CONSUMER_SPAN = "00f067aa0ba902b7";

const text = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
const service = (name: string) => ({ attributes: [text("service.name", name)] });

function request(...resourceSpans: unknown[]) {
  return exportTraceRequestSchema.parse({ resourceSpans });
}

describe("OTLP messaging spans to hops", () => {
  test("a Kafka send and the process span linked to it are one message: published, delivered, processed", () => {
    const parsed = request(
      {
        resource: service("checkout"),
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE,
                spanId: PRODUCER_SPAN,
                name: "send orders",
                kind: 4,
                startTimeUnixNano: "1700000000123456789",
                endTimeUnixNano: "1700000000125000000",
                attributes: [text("messaging.system", "kafka"), text("messaging.operation.type", "send"), text("messaging.destination.name", "orders"), int("messaging.destination.partition.id", 2)],
              },
            ],
          },
        ],
      },
      {
        resource: service("billing"),
        scopeSpans: [
          {
            spans: [
              {
                traceId: "1bf7651916cd43dd8448eb211c80319c",
                spanId: CONSUMER_SPAN,
                name: "process orders",
                kind: "SPAN_KIND_CONSUMER",
                startTimeUnixNano: "1700000000130000000",
                endTimeUnixNano: "1700000000140000000",
                attributes: [text("messaging.system", "kafka"), text("messaging.operation.type", "process"), text("messaging.destination.name", "orders"), text("messaging.consumer.group.name", "billing"), int("messaging.kafka.offset", 41)],
                links: [{ traceId: TRACE, spanId: PRODUCER_SPAN }],
              },
            ],
          },
        ],
      },
    );
    const { spans, total } = messagingSpans(parsed);
    expect(total).toBe(2);
    const hops = spans.flatMap((span) => hopsOfSpan(span, "observe"));
    expect(hops.map((h) => [h.kind, h.from, h.to, h.at])).toEqual([
      ["published", "checkout", "kafka:orders", 1700000000123.456],
      ["delivered", "kafka:orders", "billing", 1700000000130],
      ["processed", "billing", "kafka:orders", 1700000000140],
    ]);
    expect(new Set(hops.map((h) => h.message.id))).toEqual(new Set([PRODUCER_SPAN]));
    expect(hops[0]?.message.partition).toBe(2);
    expect(hops[1]?.message.offset).toBe("41");
    for (const hop of hops) expect(messageHopDraftSchema.safeParse(hop).success).toBe(true);
    expect(hops.every((h) => h.source === "otlp")).toBe(true);
  });

  test("the older names instrumentation-amqplib emits are read as the current ones; the parent stands in for a link", () => {
    const { spans } = messagingSpans(
      request({
        resource: service("mailer"),
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE,
                spanId: CONSUMER_SPAN,
                parentSpanId: PRODUCER_SPAN,
                name: "jobs process",
                kind: 5,
                startTimeUnixNano: 1_700_000_000_000_000_000,
                endTimeUnixNano: 1_700_000_000_002_000_000,
                attributes: [text("messaging.system", "rabbitmq"), text("messaging.operation", "process"), text("messaging.destination", ""), text("messaging.rabbitmq.routing_key", "jobs"), text("messaging.message_id", "job-7")],
              },
            ],
          },
        ],
      }),
    );
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ system: "rabbitmq", operation: "process", destination: "jobs", messageId: "job-7", producerSpanId: PRODUCER_SPAN, service: "mailer" });
    const hops = hopsOfSpan(spans[0]!, "observe");
    expect(hops.map((h) => h.kind)).toEqual(["delivered", "processed"]);
    expect(hops[0]?.message.preview).toBe("message id job-7");
  });

  test("without an operation, the span kind says it: a producer publishes, a consumer processes", () => {
    const span = (kind: number, spanId: string) => ({ traceId: TRACE, spanId, name: "x", kind, startTimeUnixNano: "1", endTimeUnixNano: "2", attributes: [text("messaging.system", "rabbitmq"), text("messaging.destination", "orders")] });
    const { spans } = messagingSpans(request({ resource: service("a"), scopeSpans: [{ spans: [span(4, PRODUCER_SPAN), span(5, CONSUMER_SPAN), span(1, "1111111111111111")] }] }));
    expect(spans.map((s) => s.operation)).toEqual(["publish", "process"]);
  });

  test("other spans are ignored: no messaging system, a system Hopscope does not draw, or no operation to read", () => {
    const span = (attributes: unknown[], kind = 3) => ({ traceId: TRACE, spanId: PRODUCER_SPAN, name: "GET /", kind, startTimeUnixNano: "1", endTimeUnixNano: "2", attributes });
    const { spans, total } = messagingSpans(
      request({ resource: service("web"), scopeSpans: [{ spans: [span([text("http.request.method", "GET")]), span([text("messaging.system", "activemq"), text("messaging.operation.type", "send")]), span([text("messaging.system", "kafka")])] }] }),
    );
    expect(total).toBe(3);
    expect(spans).toEqual([]);
  });

  test("failures and settlements: an errored process span is a nack with its reason, a reject is a nack, an ack an ack", () => {
    const base = { traceId: TRACE, name: "s", startTimeUnixNano: "1000000", endTimeUnixNano: "2000000", parentSpanId: PRODUCER_SPAN };
    const system = [text("messaging.system", "rabbitmq"), text("messaging.destination.name", "jobs")];
    const { spans } = messagingSpans(
      request({
        resource: service("worker"),
        scopeSpans: [
          {
            spans: [
              { ...base, spanId: "1111111111111111", kind: 5, attributes: [...system, text("messaging.operation.type", "process")], status: { code: 2, message: "template missing" } },
              { ...base, spanId: "2222222222222222", kind: 3, attributes: [...system, text("messaging.operation.type", "settle"), text("messaging.operation.name", "reject")] },
              { ...base, spanId: "3333333333333333", kind: 3, attributes: [...system, text("messaging.operation.type", "settle"), text("messaging.operation.name", "ack")] },
            ],
          },
        ],
      }),
    );
    const hops = spans.flatMap((span) => hopsOfSpan(span, "observe"));
    expect(hops.map((h) => [h.kind, h.reason])).toEqual([
      ["delivered", undefined],
      ["nacked", "template missing"],
      ["nacked", "reject"],
      ["acked", undefined],
    ]);
  });

  test("malformed requests are refused with the field named", () => {
    const bad = exportTraceRequestSchema.safeParse({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz", spanId: PRODUCER_SPAN, startTimeUnixNano: "1", endTimeUnixNano: "2" }] }] }] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues[0]?.path)).toContain("traceId");
    expect(exportTraceRequestSchema.safeParse({ resourceSpans: "nope" }).success).toBe(false);
    const many = Array.from({ length: OTLP_MAX_SPANS + 1 }, () => ({ traceId: TRACE, spanId: PRODUCER_SPAN, startTimeUnixNano: "1", endTimeUnixNano: "2" }));
    const tooMany = exportTraceRequestSchema.safeParse({ resourceSpans: [{ scopeSpans: [{ spans: many.slice(0, 6_000) }, { spans: many.slice(6_000) }] }] });
    expect(tooMany.success).toBe(false);
    expect(exportTraceRequestSchema.parse({})).toEqual({ resourceSpans: [] });
  });
});
