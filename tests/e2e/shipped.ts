import { readFileSync } from "node:fs";

/** A recording that ships with Hopscope, as the replay page lists it. */
export interface Shipped {
  id: string;
  path: string;
}

/** Every scenario's and every comparison's shipped recording. */
export const { recordings: SHIPPED_RECORDINGS, comparisons: SHIPPED_COMPARISONS = [] } = JSON.parse(readFileSync("public/recordings/index.json", "utf8")) as { recordings: Shipped[]; comparisons?: Shipped[] };
