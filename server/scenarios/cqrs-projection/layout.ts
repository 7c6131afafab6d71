import type { ChannelInfo, LinkInfo } from "../../../lib/protocol";
import { COMMAND_SERVICE, PROJECTOR, QUERY_SERVICE, READ_MODEL, READ_MODEL_CHANNEL_ID, TOPIC, TOPIC_CHANNEL_ID } from "./names";

/** The write side above, the read side below: commands into the log, the log into the read model, queries out of it. */
export const CHANNELS: ChannelInfo[] = [
  { id: TOPIC_CHANNEL_ID, label: TOPIC, kind: "topic" },
  { id: READ_MODEL_CHANNEL_ID, label: READ_MODEL, kind: "read model" },
];

export const LINKS: LinkInfo[] = [
  { from: `role:${COMMAND_SERVICE}`, to: TOPIC_CHANNEL_ID },
  { from: TOPIC_CHANNEL_ID, to: `role:${PROJECTOR}` },
  { from: `role:${PROJECTOR}`, to: READ_MODEL_CHANNEL_ID },
  { from: READ_MODEL_CHANNEL_ID, to: `role:${QUERY_SERVICE}` },
];
