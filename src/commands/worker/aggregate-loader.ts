import type { EventStore, Queryable } from '../../store/event-store.ts';
import type { Snapshot } from '../../store/types.ts';
import type { AggregateDefinition } from '../domain/aggregate.ts';
import { foldStream, PAGE, startingPoint, type FoldableEvent, type LoadedAggregate } from './aggregate-repository.ts';

/**
 * For each requested aggregate: its JSON snapshot of the requested type (part 0, if any), then up
 * to $3 events after it (part 1), in version order. One round trip for any number of aggregates.
 *   $1 aggregate ids, $2 their aggregate types (parallel arrays), $3 page size
 */
const LOAD_SQL = `
WITH r AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS r(aggregate_id, aggregate_type)
),
snap AS (
  SELECT s.aggregate_id, s.version, s.state
  FROM snapshots s JOIN r ON r.aggregate_id = s.aggregate_id AND r.aggregate_type = s.aggregate_type
  WHERE s.content_type = 'application/json'
)
SELECT snap.aggregate_id, 0 AS part, snap.version AS event_version, snap.state AS data,
       NULL::text AS event_type, NULL::text AS aggregate_type, NULL::text AS content_type
FROM snap
UNION ALL
SELECT r.aggregate_id, 1, page.event_version, page.event_data, page.event_type, page.aggregate_type, page.content_type
FROM r
LEFT JOIN snap USING (aggregate_id)
CROSS JOIN LATERAL (
  SELECT e.event_version, e.event_data, e.event_type, e.aggregate_type, e.content_type
  FROM events e
  WHERE e.aggregate_id = r.aggregate_id AND e.event_version > COALESCE(snap.version, 0)
  ORDER BY e.event_version
  LIMIT $3
) page
ORDER BY 1, 2, 3`;

interface Pending {
  definition: AggregateDefinition;
  aggregateId: string;
  resolve(loaded: LoadedAggregate): void;
  reject(error: unknown): void;
}

/**
 * Loads aggregates the worker has no valid cached state for. Loads requested in the same tick (the
 * first commands of many aggregates arriving together) share one statement instead of two round
 * trips each; a stream longer than one page continues page by page on its own.
 */
export class AggregateLoader {
  private pending: Pending[] = [];

  constructor(private readonly pool: Queryable, private readonly store: EventStore, private readonly maxBatch = 500) {}

  /** @throws AggregateTypeMismatchError when the stream belongs to another aggregate type */
  load(definition: AggregateDefinition, aggregateId: string): Promise<LoadedAggregate> {
    return new Promise((resolve, reject) => {
      this.pending.push({ definition, aggregateId, resolve, reject });
      if (this.pending.length === 1) process.nextTick(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) void this.run(all.slice(i, i + this.maxBatch));
  }

  private async run(batch: Pending[]): Promise<void> {
    let rows: Array<Record<string, any>>;
    try {
      const ids = [...new Set(batch.map((p) => p.aggregateId))];
      const types = ids.map((id) => batch.find((p) => p.aggregateId === id)!.definition.type);
      ({ rows } = await this.pool.query({ name: 'eventstore.load-aggregates', text: LOAD_SQL, values: [ids, types, PAGE] }));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    const byAggregate = new Map<string, Array<Record<string, any>>>();
    for (const row of rows) byAggregate.set(row.aggregate_id, [...(byAggregate.get(row.aggregate_id) ?? []), row]);
    await Promise.all(batch.map(async (p) => {
      try {
        const own = byAggregate.get(p.aggregateId) ?? [];
        const snapshotRow = own[0]?.part === 0 ? own[0] : undefined;
        const snapshot: Snapshot | undefined = snapshotRow && {
          aggregateId: p.aggregateId, aggregateType: p.definition.type, version: Number(snapshotRow.event_version), state: snapshotRow.data, contentType: 'application/json',
        };
        const events: FoldableEvent[] = own.filter((row) => row.part === 1).map((row) => ({
          aggregateType: row.aggregate_type, eventType: row.event_type, eventVersion: Number(row.event_version), data: row.data, contentType: row.content_type,
        }));
        p.resolve(await foldStream(this.store, p.definition, p.aggregateId, startingPoint(p.definition, snapshot), events));
      } catch (error) {
        p.reject(error);
      }
    }));
  }
}
