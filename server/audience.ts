import type { NetworkInterfaceInfo } from "node:os";

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARDS = new Set(["0.0.0.0", "::"]);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
/**
 * Bridges and tunnels that a phone in the room cannot reach: a container bridge or a VPN's
 * address would be a QR code that leads nowhere, so the LAN's address is offered first.
 */
const VIRTUAL_INTERFACE = /^(docker|br-|veth|virbr|vboxnet|vmnet|cni|flannel|podman|lxc|lxd|tun|tap|utun|wg|tailscale|zt)/i;

const urlOf = (address: string, port: number) => `http://${address.includes(":") ? `[${address}]` : address}:${port}/`;

/**
 * Where an audience on the LAN opens Hopscope: none on loopback; the address it listens on when
 * that is one address; on a wildcard, every external IPv4 address, real network cards first.
 * IPv6 is left out on a wildcard: its link-local addresses need a zone no phone's camera app keeps.
 */
export function audienceUrls(host: string, port: number, interfaces: Interfaces): string[] {
  if (LOOPBACK.has(host.toLowerCase())) return [];
  if (!WILDCARDS.has(host)) return [urlOf(host, port)];
  const found = Object.entries(interfaces).flatMap(([name, infos]) =>
    (infos ?? []).filter((i) => i.family === "IPv4" && !i.internal).map((i) => ({ virtual: VIRTUAL_INTERFACE.test(name), url: urlOf(i.address, port) })),
  );
  const ranked = [...found.filter((f) => !f.virtual), ...found.filter((f) => f.virtual)];
  return [...new Set(ranked.map((f) => f.url))];
}
