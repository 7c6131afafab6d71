"use client";
/** The one place the browser opens a socket. Components receive data and callbacks instead. */
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol";

export type HopscopeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const TOKEN_KEY = "hopscope.presenterToken";

/**
 * The presenter URL carries ?token=; it moves into session storage and out of the address bar,
 * so it does not end up on the projector.
 */
function presenterToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.toString());
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

let socket: HopscopeSocket | null = null;

export function connection(): HopscopeSocket {
  if (!socket) {
    const token = presenterToken();
    socket = io({ auth: token ? { token } : {}, transports: ["websocket", "polling"] });
  }
  return socket;
}

/** For the HTTP API: the presenter's token, where this browser holds one. */
export function presenterHeaders(): Record<string, string> {
  const token = presenterToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}
