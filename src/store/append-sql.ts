import { randomUUID } from 'node:crypto';
import { InvalidBatchError } from '../errors.ts';
import type { AppendRequest, CommandRef, CommandSlice } from './types.ts';
import { expectedVersionToSql, validateAggregateId, validateEvents, validateTypeName } from './validation.ts';

/**
 * The append statement: any number of aggregates, each with its own expected version, in ONE
 * statement (one round trip, one transaction). Each aggregate's stream head moves by compare-and-set;
 * only the aggregates whose head moved get their events inserted, so a conflict on one aggregate
 * neither fails the batch nor leaves any aggregate half-written.
 *
 * Parameters (parallel arrays):
 *   $1..$4   one entry per aggregate: aggregate_id, aggregate_type, expected (-1 any, 0 no stream,
 *            N exact), n (number of events)
 *   $5..$13  one entry per event: aggregate_id, aggregate_type, idx (1..n within its aggregate),
 *            event_id, event_type, event_data, content_type, metadata, occurred_at
 *   $14..$18 one entry per command: aggregate_id, command_id, command_type, last_idx (of the
 *            events it produced), event_ids (of those events, comma-separated)
 * Returns one row per inserted event: aggregate_id, event_id, event_version, global_position.
 * An aggregate with no returned rows lost: its head was not at the expected version, its type
 * differs, or one of its commands was already processed.
 */
export const APPEND_SQL = `
WITH cmd AS (
  SELECT c.*
  FROM unnest($14::text[], $15::text[], $16::text[], $17::int[], $18::text[])
    AS c(aggregate_id, command_id, command_type, last_idx, event_ids)
),
req AS (
  SELECT r.*
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[]) AS r(aggregate_id, aggregate_type, expected, n)
  WHERE NOT EXISTS (
    SELECT 1 FROM cmd JOIN processed_commands p USING (command_id) WHERE cmd.aggregate_id = r.aggregate_id
  )
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
-- One row: the version each winning aggregate had before this append. A map, not a join: the
-- planner cannot see how many rows the CTEs above return, guesses one, and a nested loop over
-- events x aggregates made large batches slow.
won AS (
  SELECT jsonb_object_agg(aggregate_id, from_version) AS from_version
  FROM (SELECT * FROM moved UNION ALL SELECT * FROM created) w
),
inserted AS (
  INSERT INTO events (event_id, aggregate_id, aggregate_type, event_type, event_version,
                      event_data, content_type, metadata, occurred_at)
  SELECT e.event_id, e.aggregate_id, e.aggregate_type, e.event_type, (won.from_version ->> e.aggregate_id)::bigint + e.idx,
         e.event_data, e.content_type, e.metadata, e.occurred_at
  FROM unnest($5::text[], $6::text[], $7::int[], $8::uuid[], $9::text[], $10::bytea[], $11::text[], $12::jsonb[],
              $13::timestamptz[])
    AS e(aggregate_id, aggregate_type, idx, event_id, event_type, event_data, content_type, metadata, occurred_at),
    won
  WHERE won.from_version ? e.aggregate_id
  ORDER BY e.aggregate_id, e.idx
  RETURNING aggregate_id, event_id, event_version, global_position
),
recorded AS (
  INSERT INTO processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
  SELECT cmd.command_id, cmd.command_type, cmd.aggregate_id, 'accepted',
         (won.from_version ->> cmd.aggregate_id)::bigint + cmd.last_idx, string_to_array(cmd.event_ids, ',')::uuid[]
  FROM cmd, won
  WHERE won.from_version ? cmd.aggregate_id
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
  const perAggregate: unknown[][] = [[], [], [], []];
  const perEvent: unknown[][] = [[], [], [], [], [], [], [], [], []];
  const perCommand: unknown[][] = [[], [], [], [], []];
  const aggregates = new Set<string>();
  const commandIds = new Set<string>();
  const now = new Date();

  for (const request of requests) {
    validateAggregateId(request.aggregateId);
    validateTypeName('aggregateType', request.aggregateType);
    validateEvents(request.events, maxEventBytes);
    if (aggregates.has(request.aggregateId)) {
      throw new InvalidBatchError(`aggregate "${request.aggregateId}" appears twice in one batch: merge its events`);
    }
    aggregates.add(request.aggregateId);
    push(perAggregate, [request.aggregateId, request.aggregateType, expectedVersionToSql(request.expectedVersion), request.events.length]);
    const eventIds = request.events.map((event) => event.eventId ?? randomUUID());
    request.events.forEach((event, i) =>
      push(perEvent, [
        request.aggregateId,
        request.aggregateType,
        i + 1,
        eventIds[i],
        event.eventType,
        Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength),
        event.contentType ?? 'application/json',
        JSON.stringify(event.metadata ?? {}),
        event.occurredAt ?? now,
      ]),
    );
    let lastIdx = 0;
    for (const slice of commandSlices(request)) {
      if (commandIds.has(slice.commandId)) throw new InvalidBatchError(`command "${slice.commandId}" appears twice in one batch`);
      commandIds.add(slice.commandId);
      const own = eventIds.slice(lastIdx, (lastIdx += slice.eventCount));
      push(perCommand, [request.aggregateId, slice.commandId, slice.commandType, lastIdx, own.join(',')]);
    }
  }
  return [...perAggregate, ...perEvent, ...perCommand];
}

/** The commands of a request as slices of its events (`command` is one slice holding them all). */
export function commandSlices(request: AppendRequest): CommandSlice[] {
  const { command, commands, aggregateId } = request;
  const where = `append to "${aggregateId}"`;
  if (command !== undefined && commands !== undefined) throw new InvalidBatchError(`${where} names both command and commands: use one`);
  if (command !== undefined) return [{ ...checkedRef(command, where), eventCount: request.events.length }];
  if (commands === undefined) return [];
  if (!Array.isArray(commands) || commands.length === 0) throw new InvalidBatchError(`${where}: commands must be a non-empty array`);
  let total = 0;
  for (const slice of commands) {
    checkedRef(slice, where);
    if (!Number.isSafeInteger(slice.eventCount) || slice.eventCount < 1) {
      throw new InvalidBatchError(`${where}: command "${slice.commandId}" must produce at least one event, got eventCount ${JSON.stringify(slice.eventCount)}`);
    }
    total += slice.eventCount;
  }
  if (total !== request.events.length) {
    throw new InvalidBatchError(`${where}: the commands account for ${total} events, the request has ${request.events.length}`);
  }
  return commands;
}

function checkedRef(ref: CommandRef, where: string): CommandRef {
  const valid = ref !== null && typeof ref === 'object' && [ref.commandId, ref.commandType].every((v) => typeof v === 'string' && v !== '');
  if (!valid) throw new InvalidBatchError(`${where}: every command needs a non-empty commandId and commandType`);
  return ref;
}

function push(columns: unknown[][], row: unknown[]): void {
  row.forEach((value, i) => columns[i]!.push(value));
}
