import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Config } from "./config";

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1"]);

/** Who may act: everyone on loopback, otherwise only holders of the presenter token. */
export class Access {
  constructor(private readonly config: Pick<Config, "requireToken" | "token">) {}

  /** Listening beyond loopback: an audience can join, and needs telling apart from the presenter. */
  get workshop(): boolean {
    return this.config.requireToken;
  }

  isPresenter(token: unknown): boolean {
    if (!this.config.requireToken) return true;
    if (typeof token !== "string") return false;
    const given = Buffer.from(token);
    const expected = Buffer.from(this.config.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  static bearer(headers: IncomingHttpHeaders): string | null {
    const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
    return match?.[1] ?? null;
  }

  /**
   * On loopback everyone is the presenter, so the request must really be for this machine: a
   * rebound DNS name would otherwise let another site's page act with the presenter's rights.
   */
  trustedHost(headers: IncomingHttpHeaders): boolean {
    if (this.config.requireToken) return true;
    const hostname = (headers.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
    return LOOPBACK_NAMES.has(hostname);
  }

  /** Browsers send Origin; a page from another site must not drive or watch this one. */
  static sameOrigin(headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (!origin) return true;
    try {
      return new URL(origin).host === headers.host;
    } catch {
      return false;
    }
  }
}
