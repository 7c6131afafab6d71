/**
 * From the seeds: the inventory service takes reserve_inventory work in queue group
 * inventory-reserve. Kept clear of orders.>, which the JetStream scenario's stream captures.
 */
export const RESERVE_SUBJECT = "inventory.reserve";
export const RESERVE_QUEUE_GROUP = "inventory-reserve";
export const RESERVE_CHANNEL_ID = `nats:${RESERVE_SUBJECT}`;

export const DROP_KILLED_IN_FLIGHT = "in flight to a killed worker: core NATS is at-most-once";
export const DROP_NO_WORKERS = `no worker in queue group ${RESERVE_QUEUE_GROUP}: NATS discarded it (503 no interest)`;
/** On a worker's done hop: nothing reaches the server, there is no ack in core NATS. */
export const DONE_WITHOUT_ACK = "core NATS has no ack, so the server is not told";
