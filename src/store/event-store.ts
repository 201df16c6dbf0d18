import type pg from 'pg';
import { AggregateTypeMismatchError, ConcurrencyError, DuplicateCommandError } from '../errors.ts';
import { APPEND_SQL, commandSlices, toAppendParams } from './append-sql.ts';
import type {
  AppendRequest,
  AppendResult,
  CommandRef,
  CommitPosition,
  ExpectedVersion,
  ProcessedCommand,
  RecordedEvent,
  Snapshot,
} from './types.ts';
import { START } from './types.ts';
import { expectedVersionFromSql, expectedVersionToSql, validateAggregateId } from './validation.ts';

/** A pool, or a client inside the caller's own transaction: appends then commit with it. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface EventStoreOptions {
  /** Largest event payload accepted, in bytes (default 1 MiB). */
  maxEventBytes?: number;
}

export interface AppendOptions {
  aggregateType: string;
  /** Default 'any'. */
  expectedVersion?: ExpectedVersion;
  /** Record this command as processed in the same transaction (see processed_commands). */
  command?: CommandRef;
}

/** Why one aggregate of a batch was not written. Nothing of it was. */
export type AppendRejection = ConcurrencyError | AggregateTypeMismatchError | DuplicateCommandError;

export interface BatchAppendResult {
  /** In request order. */
  committed: AppendResult[];
  /** In request order: one for each request that was not committed. */
  rejected: AppendRejection[];
}

/** How many times append() retries an 'any' append that lost a race to create the stream. */
const ANY_RETRIES = 3;

const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id, event_id::text, aggregate_id,
  aggregate_type, event_type, event_version, event_data, content_type, metadata, occurred_at`;

/**
 * The immutable event store on PostgreSQL. Appends are single statements (see append-sql.ts);
 * reads in commit order follow the xmin rule (see readAll).
 */
export class EventStore {
  private readonly maxEventBytes: number;

  constructor(private readonly pool: Queryable, options: EventStoreOptions = {}) {
    this.maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
  }

  /**
   * Appends events to one aggregate in one transaction.
   * @throws ConcurrencyError when the aggregate is not at `expectedVersion`
   * @throws AggregateTypeMismatchError, DuplicateCommandError, InvalidInputError subclasses
   */
  async append(aggregateId: string, events: AppendRequest['events'], options: AppendOptions): Promise<AppendResult> {
    const request: AppendRequest = {
      aggregateId,
      aggregateType: options.aggregateType,
      events,
      expectedVersion: options.expectedVersion ?? 'any',
      ...(options.command ? { command: options.command } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      const { committed, rejected } = await this.appendMany([request]);
      if (committed[0]) return committed[0];
      const error = rejected[0]!;
      // 'any' can only lose when a concurrent writer created the stream first: try again.
      const retry = request.expectedVersion === 'any' && error instanceof ConcurrencyError && attempt < ANY_RETRIES;
      if (!retry) throw error;
    }
  }

  /**
   * Appends to many aggregates in one round trip and one transaction. Each aggregate's expected
   * version is checked on its own: the winners are committed, the losers reported in `rejected`,
   * and no aggregate is half-written. Bad input anywhere refuses the whole batch before any SQL.
   */
  async appendMany(requests: AppendRequest[]): Promise<BatchAppendResult> {
    const params = toAppendParams(requests, this.maxEventBytes);
    // Named: each connection parses and plans the long statement once, then only binds values.
    const { rows } = await this.pool.query({ name: 'eventstore.append', text: APPEND_SQL, values: params });
    const byAggregate = new Map<string, AppendResult>();
    for (const row of rows) {
      let result = byAggregate.get(row.aggregate_id);
      if (!result) byAggregate.set(row.aggregate_id, (result = { aggregateId: row.aggregate_id, nextExpectedVersion: 0, events: [] }));
      const eventVersion = Number(row.event_version);
      result.events.push({ eventId: row.event_id, eventVersion, globalPosition: Number(row.global_position) });
      result.nextExpectedVersion = eventVersion;
    }
    const losers = requests.filter((r) => !byAggregate.has(r.aggregateId));
    return {
      committed: requests.flatMap((r) => byAggregate.get(r.aggregateId) ?? []),
      rejected: losers.length > 0 ? await this.explainRejections(losers) : [],
    };
  }

  /** Events of one aggregate in version order, from `fromVersion` (default 1). */
  async readStream(aggregateId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    validateAggregateId(aggregateId);
    const { rows } = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE aggregate_id = $1 AND event_version >= $2
       ORDER BY event_version LIMIT $3`,
      [aggregateId, options.fromVersion ?? 1, options.limit ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  /**
   * Events of all aggregates in commit order, after `after` (default: the start).
   *
   * Global positions are taken at INSERT but become visible at COMMIT, so "position > last seen"
   * would skip an event whose transaction commits late. Instead this reads only events of
   * transactions older than every transaction still running (pg_snapshot_xmin): those can no longer
   * be joined by anything that sorts before them. The price: a long-open transaction anywhere in
   * the cluster holds readers back until it ends (see lag()).
   */
  async readAll(options: { after?: CommitPosition; limit?: number } = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const { rows } = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       -- Qualified: a bare "transaction_id" here would name the TEXT output column above and sort
       -- '1000' before '999', which reorders and then skips events once ids gain a digit.
       ORDER BY events.transaction_id, events.global_position
       LIMIT $3`,
      [String(after.transactionId), after.globalPosition, options.limit ?? 1000],
    );
    return rows.map(toRecordedEvent);
  }

  /**
   * The commit position of the newest committed event, or undefined for an empty store. readAll
   * may not reach it at once (an older transaction still running holds readers back), but it will.
   */
  async head(): Promise<CommitPosition | undefined> {
    const { rows } = await this.pool.query(
      `SELECT transaction_id::text AS tx, global_position FROM events
       ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1`,
    );
    return rows[0] ? { transactionId: Number(rows[0].tx), globalPosition: Number(rows[0].global_position) } : undefined;
  }

  /** The current version of an aggregate (0 when it has no events). */
  async streamVersion(aggregateId: string): Promise<number> {
    validateAggregateId(aggregateId);
    const { rows } = await this.pool.query('SELECT version FROM streams WHERE aggregate_id = $1', [aggregateId]);
    return rows[0] ? Number(rows[0].version) : 0;
  }

  /**
   * Keeps the snapshot unless a newer one is already stored, or its version is one the aggregate's
   * stream (of the same type) has not reached. Returns whether it was kept.
   */
  async saveSnapshot(snapshot: Snapshot): Promise<boolean> {
    validateAggregateId(snapshot.aggregateId);
    const { rows } = await this.pool.query('SELECT eventstore_save_snapshot($1, $2, $3, $4, $5) AS kept', [
      snapshot.aggregateId, snapshot.aggregateType, snapshot.version, snapshot.state, snapshot.contentType,
    ]);
    return rows[0].kept === true;
  }

  async loadSnapshot(aggregateId: string): Promise<Snapshot | undefined> {
    validateAggregateId(aggregateId);
    const { rows } = await this.pool.query(
      'SELECT aggregate_id, aggregate_type, version, state, content_type FROM snapshots WHERE aggregate_id = $1',
      [aggregateId],
    );
    const row = rows[0];
    return row
      ? { aggregateId: row.aggregate_id, aggregateType: row.aggregate_type, version: Number(row.version), state: row.state, contentType: row.content_type }
      : undefined;
  }

  /** The recorded outcome of a command, if it was processed. */
  async getProcessedCommand(commandId: string): Promise<ProcessedCommand | undefined> {
    return (await this.getProcessedCommands([commandId]))[0];
  }

  /** The recorded outcomes of those of the commands that were processed, in one query. */
  async getProcessedCommands(commandIds: readonly string[]): Promise<ProcessedCommand[]> {
    const { rows } = await this.pool.query(
      `SELECT command_id, command_type, aggregate_id, status, version, event_ids::text[] AS event_ids,
              reason_code, reason, processed_at
       FROM processed_commands WHERE command_id = ANY($1::text[])`,
      [commandIds],
    );
    return rows.map(toProcessedCommand);
  }

  /**
   * Records a command that was decided without events (a domain rejection). The first outcome
   * recorded for a command id stands; the stored one is returned.
   */
  async recordRejection(rejection: CommandRef & { aggregateId: string; code: string; reason: string }): Promise<ProcessedCommand> {
    await this.pool.query('SELECT eventstore_record_rejection($1, $2, $3, $4, $5)', [
      rejection.commandId, rejection.commandType, rejection.aggregateId, rejection.code, rejection.reason,
    ]);
    return (await this.getProcessedCommand(rejection.commandId))!;
  }

  /**
   * Records a command decided without events as accepted at `version`, the aggregate's version it
   * was decided on, unless an outcome is recorded for it already: the stored one is returned.
   * @throws ConcurrencyError when the aggregate is no longer at `version` (the decision is stale;
   *   nothing is recorded)
   */
  async recordNoChange(command: CommandRef & { aggregateId: string; version: number }): Promise<ProcessedCommand> {
    validateAggregateId(command.aggregateId);
    const { rows } = await this.pool.query('SELECT eventstore_record_no_change($1, $2, $3, $4) AS head', [
      command.commandId, command.commandType, command.aggregateId, command.version,
    ]);
    const recorded = await this.getProcessedCommand(command.commandId);
    if (recorded) return recorded;
    throw new ConcurrencyError(command.aggregateId, command.version, Number(rows[0].head));
  }

  /** One extra round trip, only when a batch had losers: tells each loser why it lost. */
  private async explainRejections(losers: AppendRequest[]): Promise<AppendRejection[]> {
    const commandIds = losers.flatMap((r) => commandSlices(r).map((c) => c.commandId));
    const [streams, processed] = await Promise.all([
      this.pool.query('SELECT aggregate_id, aggregate_type, version FROM streams WHERE aggregate_id = ANY($1)', [losers.map((r) => r.aggregateId)]),
      this.pool.query('SELECT command_id FROM processed_commands WHERE command_id = ANY($1)', [commandIds]),
    ]);
    const heads = new Map(streams.rows.map((row) => [row.aggregate_id as string, row]));
    const duplicates = new Set(processed.rows.map((row) => row.command_id as string));
    return losers.map((request) => {
      const duplicate = commandSlices(request).find((c) => duplicates.has(c.commandId));
      if (duplicate) return new DuplicateCommandError(duplicate.commandId);
      const head = heads.get(request.aggregateId);
      if (head && head.aggregate_type !== request.aggregateType) {
        return new AggregateTypeMismatchError(request.aggregateId, request.aggregateType, head.aggregate_type);
      }
      const expected = expectedVersionFromSql(expectedVersionToSql(request.expectedVersion));
      return new ConcurrencyError(request.aggregateId, expected, head ? Number(head.version) : 0);
    });
  }
}

function toRecordedEvent(row: Record<string, any>): RecordedEvent {
  return {
    eventId: row.event_id,
    aggregateId: row.aggregate_id,
    aggregateType: row.aggregate_type,
    eventType: row.event_type,
    eventVersion: Number(row.event_version),
    data: row.event_data,
    contentType: row.content_type,
    metadata: row.metadata,
    occurredAt: row.occurred_at,
    globalPosition: Number(row.global_position),
    transactionId: Number(row.transaction_id),
  };
}

function toProcessedCommand(row: Record<string, any>): ProcessedCommand {
  const base = { commandId: row.command_id, commandType: row.command_type, aggregateId: row.aggregate_id, processedAt: row.processed_at };
  return row.status === 'accepted'
    ? { ...base, status: 'accepted', version: Number(row.version), eventIds: row.event_ids }
    : { ...base, status: 'rejected', code: row.reason_code, reason: row.reason };
}
