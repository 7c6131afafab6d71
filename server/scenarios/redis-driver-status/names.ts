import { DRIVER_STATUS } from "../shared/driver-status";

export const CHANNEL_ID = `redis:${DRIVER_STATUS}`;
export const NOBODY_LISTENING = "no service listening: at-most-once, expected";
export const HELD_WHEN_KILLED = "in the service's hands when it was killed: at-most-once";
