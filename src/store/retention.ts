import { ConfigError } from '../errors.ts';
import type { Queryable } from './event-store.ts';

/**
 * The idempotency window: how long the outcome of a processed command is kept (processed_commands).
 * Within it, a command id sent again gets the recorded outcome and never runs twice. Past it, the
 * record may have been pruned (`eventstore prune-commands`), and a resend of that id runs again as a
 * new command. It must exceed the longest time a command can take from send to decision, retries
 * included, and the longest a producer may resend.
 */

/** Rows deleted per statement: each is its own short transaction, so the relay's readers (the xmin rule) are never held back long. */
const PRUNE_BATCH = 5_000;

export interface PruneResult {
  /** Records deleted. */
  deleted: number;
  /** Commands processed before this instant have no record any more (the database's clock). */
  prunedBefore: Date;
}

/**
 * Deletes the records of commands processed more than `windowDays` ago, as the store's owner (the
 * application role may not delete them). The cut-off is written to command_retention first, so that
 * verify, at any moment, knows which missing records were pruned. Deletes in short batches.
 */
export async function pruneProcessedCommands(owner: Queryable, options: { windowDays: number; batchSize?: number }): Promise<PruneResult> {
  const { windowDays } = options;
  if (!Number.isSafeInteger(windowDays) || windowDays < 1) throw new ConfigError([`the idempotency window must be a whole number of days >= 1, got ${windowDays}`]);
  const { rows } = await owner.query(
    `INSERT INTO command_retention (pruned_before) VALUES (now() - make_interval(days => $1))
     ON CONFLICT (singleton) DO UPDATE
       SET pruned_before = greatest(command_retention.pruned_before, excluded.pruned_before), updated_at = now()
     RETURNING (now() - make_interval(days => $1)) AS cutoff`,
    [windowDays],
  );
  const cutoff: Date = rows[0].cutoff;
  const batch = options.batchSize ?? PRUNE_BATCH;
  let deleted = 0;
  for (;;) {
    const { rowCount } = await owner.query(
      `DELETE FROM processed_commands WHERE command_id IN (
         SELECT command_id FROM processed_commands WHERE processed_at < $1 LIMIT $2)`,
      [cutoff, batch],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return { deleted, prunedBefore: cutoff };
  }
}

/** Commands processed before this instant may have lost their record (epoch 0: nothing was ever pruned). */
export async function prunedBefore(reader: Queryable): Promise<Date> {
  const { rows } = await reader.query('SELECT pruned_before FROM command_retention');
  return rows[0]?.pruned_before ?? new Date(0);
}
