/**
 * `POST /v1/traces`: OTLP over HTTP, in JSON or protobuf, from applications instrumented with
 * OpenTelemetry. Their messaging spans become hops of the observed traffic; other spans are
 * read and ignored. Bodies may be gzipped, as exporters can be told to send them. Answers as an
 * OTLP exporter expects: 200 with the export response, 400 for a body that is not a request,
 * 413 past the size limit (packed or unpacked), 415 for another content type or encoding.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { exportTraceRequestSchema, hopsOfSpan, messagingSpans } from "../../lib/otlp";
import { describeZodError, type MessageHopDraft } from "../../lib/protocol";
import { OBSERVED_ID } from "../engine/observed";
import { decodeTraceRequest, encodeTraceResponse } from "./protobuf";

/** An exporter's batch is far smaller; a collector forwarding many is not a client we expect. */
export const OTLP_MAX_BODY_BYTES = 4 * 1024 * 1024;

type Encoding = "json" | "protobuf";

function encodingOf(contentType: string | undefined): Encoding | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  return null;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  if (Number(req.headers["content-length"] ?? 0) > OTLP_MAX_BODY_BYTES) return Promise.reject(new TooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > OTLP_MAX_BODY_BYTES) {
        // Read on to the end, unkept: a connection closed with data unread is reset, and the
        // exporter would see the reset instead of the 413.
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => (size > OTLP_MAX_BODY_BYTES ? reject(new TooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** The google.rpc code of each refusal: INVALID_ARGUMENT, RESOURCE_EXHAUSTED or UNIMPLEMENTED. */
const RPC_CODES: Record<number, number> = { 400: 3, 413: 8, 415: 3, 405: 12 };

function refuse(res: ServerResponse, status: number, message: string): void {
  // OTLP/HTTP answers errors with a google.rpc.Status; its message is what an exporter logs.
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...(status === 413 ? { connection: "close" } : {}) });
  res.end(JSON.stringify({ code: RPC_CODES[status] ?? 2, message }));
}

export function createOtlpReceiver(ingest: (hops: MessageHopDraft[]) => void) {
  return async function handleTraces(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return refuse(res, 405, "/v1/traces takes POST");
    }
    const encoding = encodingOf(req.headers["content-type"]);
    if (!encoding) return refuse(res, 415, "content-type: expected application/json or application/x-protobuf");
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof TooLarge) return refuse(res, 413, `body: larger than ${OTLP_MAX_BODY_BYTES} bytes`);
      throw error;
    }
    const compression = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (compression !== "identity" && compression !== "gzip") return refuse(res, 415, `content-encoding: expected gzip or none, not ${compression.slice(0, 40)}`);
    if (compression === "gzip") {
      try {
        // Bounded as the body is: a small bomb must not unpack into gigabytes.
        body = gunzipSync(body, { maxOutputLength: OTLP_MAX_BODY_BYTES });
      } catch (error) {
        const tooLarge = (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
        return refuse(res, tooLarge ? 413 : 400, tooLarge ? `body: larger than ${OTLP_MAX_BODY_BYTES} bytes once unpacked` : "body: not valid gzip");
      }
    }
    let raw: unknown;
    try {
      raw = encoding === "json" ? (JSON.parse(body.toString("utf8")) as unknown) : decodeTraceRequest(body);
    } catch (error) {
      return refuse(res, 400, `body: not an ExportTraceServiceRequest in ${encoding === "json" ? "JSON" : "protobuf"} (${error instanceof Error ? error.message : String(error)})`.slice(0, 300));
    }
    const parsed = exportTraceRequestSchema.safeParse(raw);
    if (!parsed.success) return refuse(res, 400, describeZodError(parsed.error));
    const { spans } = messagingSpans(parsed.data);
    ingest(spans.flatMap((span) => hopsOfSpan(span, OBSERVED_ID)));
    if (encoding === "json") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end("{}");
    }
    res.writeHead(200, { "content-type": "application/x-protobuf" });
    res.end(encodeTraceResponse(0, ""));
  };
}
