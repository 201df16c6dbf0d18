import { randomUUID } from 'node:crypto';
import { InvalidBatchError } from '../errors.ts';
import type { AppendRequest, CommandRef, CommandSlice } from './types.ts';
import { expectedVersionToSql, validateAggregateId, validateEvents, validateTypeName } from './validation.ts';

/**
 * The append: any number of aggregates, each with its own expected version, in ONE statement (one
 * round trip, one transaction). Each aggregate's stream head moves by compare-and-set; only the
 * aggregates whose head moved get their events inserted, so a conflict on one aggregate neither
 * fails the batch nor leaves any aggregate half-written.
 *
 * The statement lives in the database, as eventstore_append (sql/050_store_write_functions.sql):
 * the application role may not write events, streams or processed_commands itself, so that the
 * database, not the caller, sets transaction ids, global positions, created_at and event versions.
 *
 * Parameters (parallel arrays):
 *   $1..$3   one entry per aggregate: aggregate_id, aggregate_type, expected (-1 any, 0 no stream,
 *            N exact)
 *   $4..$10  one entry per event, in order within its aggregate: aggregate_id, event_id, event_type,
 *            event_data, content_type, metadata, occurred_at
 *   $11..$15 one entry per command: aggregate_id, command_id, command_type, last_idx (of the
 *            events it produced, 1..n within its aggregate), event_ids (of those events, comma-separated)
 * Returns one row per inserted event: aggregate_id, event_id, event_version, global_position.
 * An aggregate with no returned rows lost: its head was not at the expected version, its type
 * differs, or one of its commands was already processed.
 */
export const APPEND_SQL = `
SELECT aggregate_id, event_id, event_version, global_position
FROM eventstore_append($1::text[], $2::text[], $3::bigint[],
                       $4::text[], $5::uuid[], $6::text[], $7::bytea[], $8::text[], $9::jsonb[], $10::timestamptz[],
                       $11::text[], $12::text[], $13::text[], $14::int[], $15::text[])`;

/**
 * Validates a batch and lays it out as APPEND_SQL's parallel arrays. Throws on the first bad
 * request, before any SQL runs, so a bad batch writes nothing.
 */
export function toAppendParams(requests: AppendRequest[], maxEventBytes: number): unknown[] {
  if (!Array.isArray(requests) || requests.length === 0) throw new InvalidBatchError('nothing to append: no requests');
  const perAggregate: unknown[][] = [[], [], []];
  const perEvent: unknown[][] = [[], [], [], [], [], [], []];
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
    push(perAggregate, [request.aggregateId, request.aggregateType, expectedVersionToSql(request.expectedVersion)]);
    const eventIds = request.events.map((event) => event.eventId ?? randomUUID());
    request.events.forEach((event, i) =>
      push(perEvent, [
        request.aggregateId,
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
