/**
 * Who read a Kafka record, as the broker knows it: a consumer group's committed offset passing
 * the record, on a partition its coordinator had assigned to a member with a client id. The tap's
 * tail consumer sees each record arrive; this follows the groups' commits past them, so each
 * record is reported once per group that consumed it, and never before its group committed it.
 */

/** Per partition, the records kept while no commit has passed them yet: a stalled group cannot grow this forever. */
export const RECORDS_KEPT_PER_PARTITION = 10_000;

interface Tailed<M> {
  offset: number;
  message: M;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class CommitFollower<M> {
  /** Ascending offsets, as a partition's records arrive. */
  private readonly records = new Map<string, Tailed<M>[]>();
  /** Per group and partition, the committed offset already reported up to. */
  private readonly reported = new Map<string, number>();

  constructor(private readonly keptPerPartition = RECORDS_KEPT_PER_PARTITION) {}

  seen(topic: string, partition: number, offset: number, message: M): void {
    const key = partitionKey(topic, partition);
    const records = this.records.get(key) ?? [];
    records.push({ offset, message });
    if (records.length > this.keptPerPartition) records.splice(0, records.length - this.keptPerPartition);
    this.records.set(key, records);
  }

  /**
   * The records `group`'s commit at `committed` (the next offset it will read) passes that no
   * earlier commit of it did. A commit that goes back (the group reset its offsets) reports nothing
   * until it passes new ground.
   */
  passedBy(group: string, topic: string, partition: number, committed: number): M[] {
    const key = `${group}\u0000${partitionKey(topic, partition)}`;
    const before = this.reported.get(key) ?? Number.NEGATIVE_INFINITY;
    if (committed <= before) return [];
    this.reported.set(key, committed);
    return (this.records.get(partitionKey(topic, partition)) ?? []).filter((r) => r.offset >= before && r.offset < committed).map((r) => r.message);
  }
}
