/** From the seeds: the order service asks inventory, responders share a queue group. */
export const INVENTORY_SUBJECT = "inventory.check";
export const INVENTORY_QUEUE_GROUP = "inventory-check";
export const INVENTORY_CHANNEL_ID = `nats:${INVENTORY_SUBJECT}`;

export const DROP_NO_RESPONDERS = "no responders (503)";
export const DROP_TIMED_OUT = "timed out after retries";
