import { streamGroupFates, streamGroupFateSource, type LocateEntry } from "../shared/redis-stream-group";
import { STREAM } from "./names";

/** Each group reads the one stream for itself: the destination names the group. */
const locate: LocateEntry = (delivery) => ({ stream: STREAM, group: delivery.message.destination });

export const redisStreamFates = streamGroupFates(locate);
export const redisStreamFateSource = streamGroupFateSource(locate);
