import type pg from 'pg';
import { isAfter, readCheckpoint } from '../subscriptions/checkpoint.ts';
import type { Projection } from '../projections/projection.ts';
import { EventStore } from '../store/event-store.ts';
import { START, type CommitPosition, type RecordedEvent } from '../store/types.ts';
import { CheckRecorder, type CheckResult } from './report.ts';

const BATCH = 2000;

/**
 * The live read model equals a rebuild from the store up to the projection's checkpoint. The
 * rebuild runs in a transaction that is always rolled back: temporary tables of the same names
 * shadow the real ones (PostgreSQL searches pg_temp first), the projection's own handlers fill them
 * from the store's events in commit order, and both sides are compared row by row (EXCEPT ALL)
 * in the same REPEATABLE READ snapshot as the checkpoint. Nothing live is written; memory stays
 * bounded (a batch of events at a time). Cost: the transaction holds a transaction id while it
 * rebuilds, which holds commit-order readers (the relay) back for that long.
 */
export async function checkProjection(pool: pg.Pool, projection: Projection, limit: number): Promise<CheckResult> {
  const check = new CheckRecorder(`projection ${projection.name}`, limit);
  const tables = projection.tables ?? [];
  if (tables.length === 0) return check.skipped(`projection ${projection.name} declares no tables`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const checkpoint = await readCheckpoint(client, projection.name);
    if (checkpoint.transactionId === START.transactionId && checkpoint.globalPosition === START.globalPosition) {
      return check.skipped(`projection ${projection.name} has no checkpoint yet`);
    }
    for (const table of tables) {
      const name = client.escapeIdentifier(table);
      await client.query(`CREATE TEMP TABLE ${name} (LIKE public.${name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES) ON COMMIT DROP`);
    }
    const events = await replay(client, projection, checkpoint);
    let rows = 0;
    for (const table of tables) {
      const name = client.escapeIdentifier(table);
      rows += Number((await client.query(`SELECT count(*) AS n FROM public.${name}`)).rows[0].n);
      await compare(client, check, limit, table, `pg_temp.${name}`, `public.${name}`, 'missing from the live view (the rebuild has it)');
      await compare(client, check, limit, table, `public.${name}`, `pg_temp.${name}`, 'in the live view but not in the rebuild');
    }
    return check.examined(`${rows} live row(s) against a rebuild from ${events} event(s) up to its checkpoint (${checkpoint.transactionId}, ${checkpoint.globalPosition})`);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}

/** Applies the events up to `checkpoint` with the projection's handlers; returns how many it handled. */
async function replay(client: pg.PoolClient, projection: Projection, checkpoint: CommitPosition): Promise<number> {
  const store = new EventStore(client);
  const types = new Set(projection.eventTypes);
  let after: CommitPosition = START;
  let handled = 0;
  for (;;) {
    const page = await store.readAll({ after, limit: BATCH });
    const upTo = page.filter((event) => !isAfter(event, checkpoint));
    const wanted = upTo.filter((event) => types.has(event.eventType));
    await handle(client, projection, wanted);
    handled += wanted.length;
    if (upTo.length < page.length || page.length < BATCH) return handled;
    after = page[page.length - 1]!;
  }
}

async function handle(client: pg.PoolClient, projection: Projection, events: RecordedEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (projection.handleBatch) await projection.handleBatch(events, client);
  else for (const event of events) await projection.handle(event, client);
}

async function compare(client: pg.PoolClient, check: CheckRecorder, limit: number, table: string, from: string, minus: string, what: string): Promise<void> {
  const { rows } = await client.query(
    `SELECT row_to_json(d)::text AS row, count(*) OVER () AS total FROM (SELECT * FROM ${from} EXCEPT ALL SELECT * FROM ${minus}) d LIMIT $1`,
    [limit],
  );
  const total = rows[0] ? Number(rows[0].total) : 0;
  for (let i = 0; i < total; i++) {
    check.violation('projection_differs', `${table}: row ${rows[i]?.row ?? '(not shown)'} is ${what}`);
  }
}
