import { DRIVER_STATUS } from "../shared/driver-status";

/** One partition: every service reads every change in the order it was sent. */
export const PARTITIONS = 1;
export const TOPIC_ID = `kafka:${DRIVER_STATUS}`;
/** Processed offsets are committed this often: what a killed service processed since is read again. */
export const COMMIT_INTERVAL_MS = 1_000;
/** Kafka's minimum by default: a killed service leaves its group this long after its last heartbeat. */
export const SESSION_TIMEOUT_MS = 6_000;
