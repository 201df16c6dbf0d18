import type pg from 'pg';
import type { z } from 'zod';
import type { Queryable } from '../store/event-store.ts';
import type { MigrationSource } from '../store/migrate.ts';
import type { RecordedEvent } from '../store/types.ts';

/**
 * A read model kept up to date from events. Its handlers run INSIDE the transaction that also
 * moves its checkpoint, so each event takes effect exactly once, whatever is redelivered.
 */
export interface Projection {
  /** Unique; also its checkpoint name and the base of its durable name. Letters, digits, '-', '_'. */
  name: string;
  /** The event types it handles; others are skipped. */
  eventTypes: string[];
  /** Applies one event with `tx` (do not commit or roll back). */
  handle(event: RecordedEvent, tx: pg.PoolClient): Promise<void>;
  /** Optional: applies many events in commit order at once (rebuilds use it for speed). */
  handleBatch?(events: RecordedEvent[], tx: pg.PoolClient): Promise<void>;
  /** Optional, needed by rebuildProjection: empties the read model with `tx`. */
  reset?(tx: pg.PoolClient): Promise<void>;
  /**
   * Optional, needed by `verify`: the read model's tables (in schema public, written by unqualified
   * name), which verify compares with a rebuild.
   */
  tables?: string[];
  /**
   * Optional: the SQL migrations that create and change the projection's own tables, applied by
   * `eventstore migrate` with a version history of their own (projection_migrations). Inline, or a
   * folder of NNN_what.sql files (a path or a file: URL).
   */
  migrations?: readonly MigrationSource[] | string | URL;
  /**
   * Optional: one row of the read model by its id (a JSON-serialisable object), or undefined when
   * there is none. The HTTP API serves it at GET /projections/:name/:id (ids up to 200 characters).
   */
  get?(db: Queryable, id: string): Promise<object | undefined>;
  /**
   * Optional: the read queries the HTTP API serves at GET /projections/:name/queries/:query, by
   * query name (a letter, then letters, digits, '-' or '_').
   */
  queries?: Readonly<Record<string, ProjectionQuery<any>>>;
}

/**
 * A read query of a projection. Its answer is a bounded list: `run` gets the most rows the caller
 * may have (`page.limit`, 1 to MAX_QUERY_LIMIT) and must not return more (put it in the SQL's LIMIT).
 */
export interface ProjectionQuery<Params = Record<string, never>> {
  /** One sentence for the API's documentation. */
  description: string;
  /**
   * The query-string parameters, parsed with this schema; the OpenAPI document shows it. Values
   * arrive as strings: use z.coerce for numbers. `limit` is the API's own parameter: do not declare it.
   */
  params?: z.ZodType<Params>;
  run(db: Queryable, params: Params, page: { limit: number }): Promise<readonly object[]>;
}

/** The largest `limit` a projection query may be asked for, and the one it gets when none is sent. */
export const MAX_QUERY_LIMIT = 1_000;
export const DEFAULT_QUERY_LIMIT = 100;

/** Declares a projection; only there so TypeScript checks it and infers each query's parameters. */
export function defineProjection<const P extends Projection>(projection: P): P {
  return projection;
}

/** Declares one query of a projection, inferring its parameters' type from its schema. */
export function defineQuery<Params>(query: ProjectionQuery<Params>): ProjectionQuery<Params> {
  return query;
}
