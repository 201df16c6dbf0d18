import type pg from 'pg';
import type { BenchCommand } from './command-workload.ts';

/** What the store says happened to a run's commands, judged against the order they were sent. */
export interface CommandOutcomes {
  processed: number;
  accepted: number;
  rejected: number;
  /** Adjacent pairs of an aggregate's accepted commands whose versions contradict their send order. */
  orderingViolations: number;
  /** Send -> commit of the command's events (processed_commands.processed_at), per command. */
  latenciesMs: number[];
  /** Time of the last commit, on the same clock as `sentAt`. */
  lastCommitMs: number;
}

/** Commands recorded in processed_commands so far: a run is done when all of its commands are. */
export async function countProcessed(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM processed_commands');
  return rows[0].n as number;
}

/**
 * Reads processed_commands once the run is over. Every contender records its commands there
 * (the store does it in the append statement), so one check judges them all alike.
 */
export async function readOutcomes(pool: pg.Pool, commands: readonly BenchCommand[], sentAt: ReadonlyMap<string, number>): Promise<CommandOutcomes> {
  const byId = new Map(commands.map((c) => [c.commandId, c]));
  const { rows } = await pool.query(
    `SELECT command_id, aggregate_id, status, version, extract(epoch FROM processed_at) * 1000 AS at_ms
     FROM processed_commands ORDER BY aggregate_id, version`,
  );
  let accepted = 0;
  let rejected = 0;
  let orderingViolations = 0;
  let lastCommitMs = 0;
  const lastSeq = new Map<string, number>();
  const latenciesMs: number[] = [];
  for (const row of rows) {
    const command = byId.get(row.command_id);
    if (!command) continue;
    const atMs = Number(row.at_ms);
    lastCommitMs = Math.max(lastCommitMs, atMs);
    latenciesMs.push(atMs - sentAt.get(command.commandId)!);
    if (row.status !== 'accepted') {
      rejected++;
      continue;
    }
    accepted++;
    const previous = lastSeq.get(command.aggregateId) ?? 0;
    if (command.seq < previous) orderingViolations++;
    lastSeq.set(command.aggregateId, Math.max(previous, command.seq));
  }
  return { processed: accepted + rejected, accepted, rejected, orderingViolations, latenciesMs, lastCommitMs };
}
