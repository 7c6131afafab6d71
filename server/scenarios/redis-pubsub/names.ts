/** From the seeds: a driver goes on or off duty and every interested service hears of it. */
export const DRIVER_CHANNEL = "driver-status-changed";
export const DRIVER_PATTERN = "driver-*";
export const DRIVER_CHANNEL_ID = `redis:${DRIVER_CHANNEL}`;
export const DROP_NO_SUBSCRIBERS = "no subscribers: at-most-once, expected";
