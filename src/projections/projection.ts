import type pg from 'pg';
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
}
