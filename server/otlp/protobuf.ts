/**
 * OTLP/HTTP's protobuf body (`application/x-protobuf`), decoded into the shape of its JSON form,
 * so one schema and one mapping serve both. Only the fields Hopscope reads are declared: the
 * decoder skips the others. Field numbers are those of opentelemetry-proto's trace, common and
 * resource definitions, and of the trace service's request and response.
 */
import protobuf from "protobufjs";

const keyValue = { fields: { key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } } };
const anyValue = {
  oneofs: { value: { oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"] } },
  fields: {
    stringValue: { type: "string", id: 1 },
    boolValue: { type: "bool", id: 2 },
    intValue: { type: "int64", id: 3 },
    doubleValue: { type: "double", id: 4 },
    arrayValue: { type: "ArrayValue", id: 5 },
    kvlistValue: { type: "KeyValueList", id: 6 },
    bytesValue: { type: "bytes", id: 7 },
  },
};

const root = protobuf.Root.fromJSON({
  nested: {
    otlp: {
      nested: {
        KeyValue: keyValue,
        AnyValue: anyValue,
        ArrayValue: { fields: { values: { rule: "repeated", type: "AnyValue", id: 1 } } },
        KeyValueList: { fields: { values: { rule: "repeated", type: "KeyValue", id: 1 } } },
        Resource: { fields: { attributes: { rule: "repeated", type: "KeyValue", id: 1 } } },
        Status: { fields: { message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } } },
        Link: { fields: { traceId: { type: "bytes", id: 1 }, spanId: { type: "bytes", id: 2 }, attributes: { rule: "repeated", type: "KeyValue", id: 4 } } },
        Span: {
          fields: {
            traceId: { type: "bytes", id: 1 },
            spanId: { type: "bytes", id: 2 },
            parentSpanId: { type: "bytes", id: 4 },
            name: { type: "string", id: 5 },
            kind: { type: "int32", id: 6 },
            startTimeUnixNano: { type: "fixed64", id: 7 },
            endTimeUnixNano: { type: "fixed64", id: 8 },
            attributes: { rule: "repeated", type: "KeyValue", id: 9 },
            links: { rule: "repeated", type: "Link", id: 13 },
            status: { type: "Status", id: 15 },
          },
        },
        ScopeSpans: { fields: { spans: { rule: "repeated", type: "Span", id: 2 } } },
        ResourceSpans: { fields: { resource: { type: "Resource", id: 1 }, scopeSpans: { rule: "repeated", type: "ScopeSpans", id: 2 } } },
        ExportTraceServiceRequest: { fields: { resourceSpans: { rule: "repeated", type: "ResourceSpans", id: 1 } } },
        ExportTracePartialSuccess: { fields: { rejectedSpans: { type: "int64", id: 1 }, errorMessage: { type: "string", id: 2 } } },
        ExportTraceServiceResponse: { fields: { partialSuccess: { type: "ExportTracePartialSuccess", id: 1 } } },
      },
    },
  },
});

const Request = root.lookupType("otlp.ExportTraceServiceRequest");
const Response = root.lookupType("otlp.ExportTraceServiceResponse");

/** Ids are bytes on the wire and hex in OTLP/JSON. */
const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);

function idsToHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(idsToHex);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, ID_FIELDS.has(key) && field instanceof Uint8Array ? Buffer.from(field).toString("hex") : idsToHex(field)]),
  );
}

/** Throws on a body that is not a valid request message; what it returns still goes through the JSON schema. */
export function decodeTraceRequest(body: Uint8Array): unknown {
  const message = Request.decode(body);
  // Longs as decimal strings, as OTLP/JSON writes them; ids stay bytes until made hex.
  return idsToHex(Request.toObject(message, { longs: String, enums: Number }));
}

/** For tests and examples: a request in its JSON shape, encoded as an exporter would send it. */
export function encodeTraceRequest(request: Record<string, unknown>): Uint8Array {
  return Request.encode(Request.fromObject(hexToIds(request) as Record<string, unknown>)).finish();
}

function hexToIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexToIds);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, ID_FIELDS.has(key) && typeof field === "string" ? Buffer.from(field, "hex") : hexToIds(field)]));
}

/** The answer an exporter expects, in protobuf: how many spans were refused, and why. */
export function encodeTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  const partialSuccess = rejectedSpans > 0 || errorMessage ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return Response.encode(Response.fromObject(partialSuccess)).finish();
}
