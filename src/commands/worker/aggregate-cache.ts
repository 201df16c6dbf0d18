/**
 * A bounded least-recently-used map of aggregate states. Entries are only hints: every append is a
 * compare-and-set on the version the entry was loaded at, so a stale entry costs one retry, never
 * a wrong write.
 */
export interface CachedAggregate {
  aggregateType: string;
  state: unknown;
  version: number;
}

export class AggregateCache {
  private readonly entries = new Map<string, CachedAggregate>();

  constructor(private readonly maxEntries: number) {}

  get(aggregateId: string): CachedAggregate | undefined {
    const entry = this.entries.get(aggregateId);
    if (entry) {
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.entries.delete(aggregateId);
      this.entries.set(aggregateId, entry);
    }
    return entry;
  }

  set(aggregateId: string, entry: CachedAggregate): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(aggregateId);
    this.entries.set(aggregateId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(aggregateId: string): void {
    this.entries.delete(aggregateId);
  }

  get size(): number {
    return this.entries.size;
  }
}
