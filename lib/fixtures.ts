import type { ActorHop, TransportId, Hop, MessageHop, MessageHopKind } from "./protocol";
import { ACTOR_HOP_KINDS, PROTOCOL_VERSION } from "./protocol";

/**
 * A tiny language for hop fixtures in tests: "kind from>to id@attempt t=ms", e.g.
 * "published req>subj m1 t=0" or "delivered subj>resp-1 m1@2 t=5". Seq follows line order.
 * Options: t (ms), rtt, reason (underscores for spaces), dest, key and kseq (the key's number),
 * trace (the trace id, when not the message id), missed (copies a broadcast's audience missed), broker,
 * and read (a read model's answer: the version read and the version written, e.g. read=3/5). A gRPC hop takes side (client or
 * server), index (a streamed message's place) and code (a status's code), e.g.
 * "status svc>client c1@2 side=client code=OK".
 */
export function hops(spec: string, scenarioId = "test"): Hop[] {
  return spec
    .trim()
    .split("\n")
    .map((line, index) => parseLine(line.trim(), index + 1, scenarioId));
}

function parseLine(line: string, seq: number, scenarioId: string): Hop {
  const [kind, route, ref, ...rest] = line.split(/\s+/);
  const options = Object.fromEntries(rest.map((r) => r.split("=") as [string, string]));
  const at = 1_700_000_000_000 + Number(options.t ?? seq);
  const [from = "?", to = "?"] = (route ?? "").split(">");
  const broker = (options.broker ?? "nats") as TransportId;
  if ((ACTOR_HOP_KINDS as readonly string[]).includes(kind ?? "")) {
    const hop: ActorHop = { v: PROTOCOL_VERSION, seq, scenarioId, broker, kind: kind as ActorHop["kind"], from, to, at, actor: { id: from, role: ref ?? "responder", pid: 1 } };
    return hop;
  }
  const [id = "m", attempt = "1"] = (ref ?? "").split("@");
  const hop: MessageHop = {
    v: PROTOCOL_VERSION,
    seq,
    scenarioId,
    broker,
    kind: kind as MessageHopKind,
    from,
    to,
    at,
    message: { id, traceId: options.trace ?? id, destination: "subj", attempt: Number(attempt), redelivered: Number(attempt) > 1, size: 2, preview: "{}" },
  };
  if (options.rtt) hop.rttMs = Number(options.rtt);
  if (options.missed) hop.missed = Number(options.missed);
  if (options.reason) hop.reason = options.reason.replace(/_/g, " ");
  if (options.dest) hop.message.destination = options.dest;
  if (options.key) hop.message.key = options.key;
  if (options.kseq) hop.message.keySeq = Number(options.kseq);
  if (options.read) {
    const [version = "0", written = "0"] = options.read.split("/");
    hop.read = { version: Number(version), written: Number(written) };
  }
  if (options.side === "client" || options.side === "server") {
    hop.call = { side: options.side, method: "CheckStock" };
    if (options.index) hop.call.index = Number(options.index);
    if (options.code) hop.call.status = { code: options.code, details: options.code === "OK" ? "" : `${options.code}_details`.replace(/_/g, " ") };
  }
  return hop;
}
