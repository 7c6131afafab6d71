/**
 * Seed 002's driver availability, told the same way on two brokers: the driver app announces
 * `driver-status-changed` as `{ driverId, available, timestamp }`, and two services follow it,
 * each doing its own work with every change.
 */
import type { SettingSpec } from "../model";

export const DRIVER_STATUS = "driver-status-changed";
export const DRIVER_APP = "driver-app";
export const RIDE_SERVICE = "ride-service";
export const LOCATION_SERVICE = "location-service";
export const SERVICES = [RIDE_SERVICE, LOCATION_SERVICE] as const;
export type Service = (typeof SERVICES)[number];

const DRIVERS = ["driver-1", "driver-2", "driver-3"] as const;

/**
 * The n-th change: the drivers in turn, each going off duty and back on every other round, so
 * two sides given the same number of publishes announce the same changes.
 */
export function driverStatusChange(n: number): { driverId: string; available: boolean; timestamp: string } {
  const round = Math.floor((n - 1) / DRIVERS.length);
  return { driverId: DRIVERS[(n - 1) % DRIVERS.length] ?? DRIVERS[0], available: round % 2 === 1, timestamp: new Date().toISOString() };
}

/** What each service does with a change, in its own words: ride-service matches riders, location-service tracks drivers. */
export function serviceWork(service: string, body: string): string {
  let change: { driverId?: unknown; available?: unknown } = {};
  try {
    change = JSON.parse(body) as typeof change;
  } catch {
    return "not a driver status change";
  }
  const driver = typeof change.driverId === "string" ? change.driverId : "a driver";
  const on = change.available === true;
  if (service === RIDE_SERVICE) return `${on ? "added to" : "removed from"} the matching pool: ${driver}`;
  return `${on ? "started" : "stopped"} tracking ${driver}`;
}

/** The settings both sides share, so a comparison gives each the same work per change. */
export const DRIVER_STATUS_SETTINGS = {
  delayMs: { label: "Work per change", unit: "ms", min: 0, max: 60_000, step: 10, default: 20 },
} as const satisfies Record<string, SettingSpec>;
