import { randomUUID } from 'node:crypto';
import { InvalidBatchError } from '../errors.ts';
import type { AppendRequest } from './types.ts';
import { expectedVersionToSql, validateAggregateId, validateEvents, validateTypeName } from './validation.ts';

/**
 * The append statement: any number of aggregates, each with its own expected version, in ONE
 * statement (one round trip, one transaction). Each aggregate's stream head moves by compare-and-set;
 * only the aggregates whose head moved get their events inserted, so a conflict on one aggregate
 * neither fails the batch nor leaves any aggregate half-written.
 *
 * Parameters (parallel arrays):
 *   $1..$6  one entry per aggregate: aggregate_id, aggregate_type, expected (-1 any, 0 no stream,
 *           N exact), n (number of events), command_id (null when none), command_type
 *   $7..$14 one entry per event: aggregate_id, idx (1..n within its aggregate), event_id,
 *           event_type, event_data, content_type, metadata, occurred_at
 * Returns one row per inserted event: aggregate_id, event_id, event_version, global_position.
 * An aggregate with no returned rows lost: its head was not at the expected version, its type
 * differs, or its command was already processed.
 */
export const APPEND_SQL = `
WITH req AS (
  SELECT r.*
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[])
    AS r(aggregate_id, aggregate_type, expected, n, command_id, command_type)
  WHERE r.command_id IS NULL
     OR NOT EXISTS (SELECT 1 FROM processed_commands p WHERE p.command_id = r.command_id)
),
-- Existing streams: the UPDATE takes the row lock and re-checks the version after any concurrent
-- writer commits (READ COMMITTED re-evaluation), so exactly one of two racing writers wins.
moved AS (
  UPDATE streams s
  SET version = s.version + req.n, updated_at = now()
  FROM req
  WHERE s.aggregate_id = req.aggregate_id
    AND s.aggregate_type = req.aggregate_type
    AND req.expected <> 0
    AND (req.expected = -1 OR s.version = req.expected)
  RETURNING s.aggregate_id, s.version - req.n AS from_version
),
-- New streams: ON CONFLICT DO NOTHING makes a concurrent creator win and us lose, never both.
created AS (
  INSERT INTO streams (aggregate_id, aggregate_type, version)
  SELECT req.aggregate_id, req.aggregate_type, req.n
  FROM req
  WHERE req.expected IN (-1, 0)
    AND NOT EXISTS (SELECT 1 FROM streams s WHERE s.aggregate_id = req.aggregate_id)
  ON CONFLICT (aggregate_id) DO NOTHING
  RETURNING aggregate_id, 0::bigint AS from_version
),
won AS (
  SELECT * FROM moved UNION ALL SELECT * FROM created
),
inserted AS (
  INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version,
                      event_data, content_type, metadata, occurred_at)
  SELECT e.event_id, e.aggregate_id, req.aggregate_type, e.event_type, won.from_version + e.idx,
         e.event_data, e.content_type, e.metadata, e.occurred_at
  FROM unnest($7::text[], $8::int[], $9::uuid[], $10::text[], $11::bytea[], $12::text[], $13::jsonb[],
              $14::timestamptz[])
    AS e(aggregate_id, idx, event_id, event_type, event_data, content_type, metadata, occurred_at)
  JOIN won USING (aggregate_id)
  JOIN req USING (aggregate_id)
  ORDER BY e.aggregate_id, e.idx
  RETURNING aggregate_id, event_id, event_version, global_position
),
recorded AS (
  INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
  SELECT req.command_id, req.command_type, req.aggregate_id, 'accepted', won.from_version + req.n,
         ARRAY(SELECT i.event_id FROM inserted i WHERE i.aggregate_id = req.aggregate_id ORDER BY i.event_version)
  FROM req JOIN won USING (aggregate_id)
  WHERE req.command_id IS NOT NULL
)
SELECT aggregate_id, event_id::text, event_version, global_position
FROM inserted
ORDER BY aggregate_id, event_version`;


/**
 * Validates a batch and lays it out as APPEND_SQL's parallel arrays. Throws on the first bad
 * request, before any SQL runs, so a bad batch writes nothing.
 */
export function toAppendParams(requests: AppendRequest[], maxEventBytes: number): unknown[] {
  if (!Array.isArray(requests) || requests.length === 0) throw new InvalidBatchError('nothing to append: no requests');
  const perAggregate: unknown[][] = [[], [], [], [], [], []];
  const perEvent: unknown[][] = [[], [], [], [], [], [], [], []];
  const seen = new Set<string>();
  const now = new Date();

  for (const request of requests) {
    validateAggregateId(request.aggregateId);
    validateTypeName('aggregateType', request.aggregateType);
    validateEvents(request.events, maxEventBytes);
    if (seen.has(request.aggregateId)) {
      throw new InvalidBatchError(`aggregate "${request.aggregateId}" appears twice in one batch: merge its events`);
    }
    seen.add(request.aggregateId);
    push(perAggregate, [
      request.aggregateId,
      request.aggregateType,
      expectedVersionToSql(request.expectedVersion),
      request.events.length,
      request.command?.commandId ?? null,
      request.command?.commandType ?? null,
    ]);
    request.events.forEach((event, i) =>
      push(perEvent, [
        request.aggregateId,
        i + 1,
        event.eventId ?? randomUUID(),
        event.eventType,
        Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength),
        event.contentType ?? 'application/json',
        JSON.stringify(event.metadata ?? {}),
        event.occurredAt ?? now,
      ]),
    );
  }
  return [...perAggregate, ...perEvent];
}

function push(columns: unknown[][], row: unknown[]): void {
  row.forEach((value, i) => columns[i]!.push(value));
}
