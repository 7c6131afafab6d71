import type { ChannelInfo, LinkInfo } from "../../../lib/protocol";
import { COMMAND_SERVICE, PROJECTOR, QUERY_SERVICE, READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TOPIC_CHANNEL_ID } from "./names";

/**
 * Left to right as an event travels: the command service, the log, the projector, and past it
 * the read model. The query service reads it from beside the projector, so its edge runs the
 * same way and the answer's dot comes back along it.
 */
export const CHANNELS: ChannelInfo[] = [
  { id: TOPIC_CHANNEL_ID, label: TOPIC, kind: "topic" },
  { id: READ_MODEL_CHANNEL_ID, label: READ_MODEL, kind: "read model", column: "sink" },
];

export const LINKS: LinkInfo[] = [
  { from: `role:${COMMAND_SERVICE}`, to: TOPIC_CHANNEL_ID },
  { from: TOPIC_CHANNEL_ID, to: `role:${PROJECTOR}` },
  { from: `role:${PROJECTOR}`, to: READ_MODEL_CHANNEL_ID },
  { from: `role:${QUERY_SERVICE}`, to: READ_MODEL_CHANNEL_ID },
];
