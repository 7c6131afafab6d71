/**
 * How RabbitMQ's four exchange types decide whether a binding takes a message, with a sentence
 * that says why. The broker does the routing; this only explains it to the audience, and the
 * tests hold it to what the broker actually delivered.
 */
export type ExchangeType = "direct" | "topic" | "fanout" | "headers";

export interface BindingSpec {
  queue: string;
  /** Routing key or topic pattern; unused by fanout and headers exchanges. */
  key?: string;
  /** Headers exchange: the values to look for, and whether all or any must be present. */
  headers?: Record<string, string>;
  match?: "all" | "any";
}

export interface RoutingVerdict {
  queue: string;
  binding: string;
  matched: boolean;
  why: string;
}

/** "*" is exactly one word, "#" zero or more; words are separated by dots. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split(".");
  const k = key === "" ? [] : key.split(".");
  const walk = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === "#") return walk(i + 1, j) || (j < k.length && walk(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === "*" || p[i] === k[j]) && walk(i + 1, j + 1);
  };
  return walk(0, 0);
}

export function describeBinding(type: ExchangeType, binding: BindingSpec): string {
  if (type === "fanout") return "(any)";
  if (type === "headers") {
    const pairs = Object.entries(binding.headers ?? {}).map(([k, v]) => `${k}=${v}`);
    return `${binding.match ?? "all"}: ${pairs.join(", ")}`;
  }
  return binding.key ?? "";
}

export function explainRoute(type: ExchangeType, binding: BindingSpec, routingKey: string, headers: Record<string, string> = {}): RoutingVerdict {
  const label = describeBinding(type, binding);
  const verdict = (matched: boolean, why: string): RoutingVerdict => ({ queue: binding.queue, binding: label, matched, why });
  switch (type) {
    case "fanout":
      return verdict(true, "a fanout exchange copies every message to every bound queue");
    case "direct":
      return binding.key === routingKey ? verdict(true, `key "${routingKey}" equals the binding key`) : verdict(false, `key "${routingKey}" is not "${binding.key}"`);
    case "topic":
      return topicMatches(binding.key ?? "", routingKey)
        ? verdict(true, `"${routingKey}" matches "${binding.key}"`)
        : verdict(false, `"${routingKey}" does not match "${binding.key}"`);
    case "headers": {
      const wanted = Object.entries(binding.headers ?? {});
      const present = wanted.filter(([k, v]) => headers[k] === v).map(([k, v]) => `${k}=${v}`);
      const missing = wanted.filter(([k, v]) => headers[k] !== v).map(([k, v]) => `${k}=${v}`);
      if ((binding.match ?? "all") === "all") {
        return missing.length === 0 ? verdict(true, `has all of ${present.join(", ")}`) : verdict(false, `lacks ${missing.join(", ")}`);
      }
      return present.length > 0 ? verdict(true, `has ${present.join(", ")}`) : verdict(false, `has none of ${missing.join(", ")}`);
    }
  }
}
