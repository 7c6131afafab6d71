import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { audienceUrls } from "./audience";

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: "255.255.255.0", family: "IPv4", mac: "00:00:00:00:00:00", internal, cidr: `${address}/24` });
const v6 = (address: string): NetworkInterfaceInfo => ({ address, netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "00:00:00:00:00:00", internal: false, cidr: `${address}/64`, scopeid: 4 });

describe("audienceUrls", () => {
  it("offers nothing while Hopscope listens on loopback only", () => {
    expect(audienceUrls("127.0.0.1", 3000, { eth0: [v4("192.168.1.20")] })).toEqual([]);
    expect(audienceUrls("::1", 3000, { eth0: [v4("192.168.1.20")] })).toEqual([]);
  });

  it("offers every external IPv4 address on a wildcard, skipping loopback and IPv6", () => {
    const urls = audienceUrls("0.0.0.0", 3000, { lo: [v4("127.0.0.1", true)], eth0: [v4("192.168.1.20"), v6("fe80::1")], wlan0: [v4("10.0.0.7")] });
    expect(urls).toEqual(["http://192.168.1.20:3000/", "http://10.0.0.7:3000/"]);
  });

  it("puts a container bridge or VPN after the real network cards", () => {
    const urls = audienceUrls("::", 8080, { docker0: [v4("172.17.0.1")], tailscale0: [v4("100.64.0.3")], wlp2s0: [v4("192.168.0.42")] });
    expect(urls[0]).toBe("http://192.168.0.42:8080/");
    expect(urls.slice(1).sort()).toEqual(["http://100.64.0.3:8080/", "http://172.17.0.1:8080/"]);
  });

  it("offers the one address Hopscope listens on when it was given one", () => {
    expect(audienceUrls("192.168.1.20", 3000, { eth0: [v4("192.168.1.20"), v4("10.0.0.7")] })).toEqual(["http://192.168.1.20:3000/"]);
    expect(audienceUrls("fd00::2", 3000, {})).toEqual(["http://[fd00::2]:3000/"]);
  });

  it("offers nothing on a wildcard when no network card is up", () => {
    expect(audienceUrls("0.0.0.0", 3000, { lo: [v4("127.0.0.1", true)] })).toEqual([]);
  });
});
