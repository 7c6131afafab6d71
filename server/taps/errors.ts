/** A tap asked for something the broker does not have: the caller's mistake, not the broker's absence. */
export class NoSuchTarget extends Error {}
