import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allowedHosts, isAllowed, OutboundRequestRefused, refuseOutboundFetches } from "./offline";

const URLS = {
  nats: "nats://nats.lan:4222,nats://backup.lan:4222",
  rabbitmq: "amqp://guest:guest@rabbit.lan:5672",
  redis: "redis://127.0.0.1:6379",
  kafka: "k1.lan:9092,k2.lan:9092",
};

describe("offline guard", () => {
  test("loopback and every broker host are reachable, nothing else", () => {
    const hosts = allowedHosts(URLS);
    for (const url of ["http://localhost:3000/", "http://127.0.0.1/", "http://[::1]:8080/", "http://rabbit.lan:15672/api/queues", "http://k2.lan/", "http://backup.lan/"]) {
      expect(isAllowed(new URL(url), hosts), url).toBe(true);
    }
    for (const url of ["https://registry.npmjs.org/-/package/next/dist-tags", "https://telemetry.nextjs.org/api/v1/record", "http://rabbit.lan.evil.example/"]) {
      expect(isAllowed(new URL(url), hosts), url).toBe(false);
    }
  });

  describe("the wrapped fetch", () => {
    const original = globalThis.fetch;
    let server: Server;
    let base: string;
    const refused: string[] = [];
    beforeAll(async () => {
      server = createServer((_req, res) => res.end("local"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      refuseOutboundFetches(allowedHosts(URLS), (url) => refused.push(url.host));
    });
    afterAll(async () => {
      globalThis.fetch = original;
      await new Promise((resolve) => server.close(resolve));
    });

    test("passes loopback requests through", async () => {
      expect(await (await fetch(`${base}/x`)).text()).toBe("local");
    });

    test("refuses the internet without a connection attempt, and says so", async () => {
      await expect(fetch("https://registry.npmjs.org/-/package/next/dist-tags")).rejects.toThrow(OutboundRequestRefused);
      await expect(fetch(new Request("https://telemetry.nextjs.org/"))).rejects.toThrow("refused a request to telemetry.nextjs.org");
      expect(refused).toEqual(["registry.npmjs.org", "telemetry.nextjs.org"]);
    });
  });
});
