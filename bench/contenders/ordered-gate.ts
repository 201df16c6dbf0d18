import { CommandClient } from '../../src/commands/gate/command-client.ts';
import { CommandWorker, type OutcomeEvent } from '../../src/commands/worker/command-worker.ts';
import { exampleDomain } from '../../examples/orders/domain/index.ts';
import { createPool } from '../../src/store/pool.ts';
import { OURS } from '../scenarios/targets.ts';
import type { CommandContender, ConsumerStats } from './contender.ts';

/**
 * Ours: CommandClient.sendMany (one gate script stores and admits a chunk) and CommandWorker (the
 * per-aggregate gate, runs of an aggregate's queued commands in one append, the cache validated by
 * the version the gate records, group-commit appends), exactly as workers/worker.ts runs it, with
 * the example domain.
 */
export const orderedGate: CommandContender = {
  name: OURS,
  description: 'src/commands: CommandClient.sendMany + CommandWorker with the per-aggregate Redis gate (strict order per aggregate; queued commands of one aggregate run and commit together)',
  async createProducer(config) {
    const pool = createPool(config.databaseUrl, { max: 2, applicationName: 'eventstore-bench-producer' });
    const client = new CommandClient({ redisUrl: config.redisUrl, queueName: config.queueName, prefix: config.prefix, registry: exampleDomain, pool });
    return {
      async send(commands) {
        await client.sendMany(commands.map((c) => ({ commandId: c.commandId, type: c.commandType, aggregateId: c.aggregateId, payload: c.payload })));
      },
      async close() {
        await client.close();
        await pool.end();
      },
    };
  },
  async createConsumer(config) {
    const pool = createPool(config.databaseUrl, { max: config.poolSize, applicationName: 'eventstore-bench-worker' });
    const worker = new CommandWorker({
      redisUrl: config.redisUrl,
      queueName: config.queueName,
      prefix: config.prefix,
      registry: exampleDomain,
      pool,
      concurrency: config.concurrency,
    });
    const stats: ConsumerStats = { processed: 0, failed: 0, conflicts: 0, retries: 0 };
    worker.on('outcome', (outcome: OutcomeEvent) => {
      if (outcome.status === 'failed') stats.failed++;
      else stats.processed++;
      stats.conflicts += outcome.conflicts;
      stats.retries += outcome.conflicts + outcome.attempts - 1;
    });
    worker.on('error', () => {});
    await worker.start();
    return {
      stats: () => ({ ...stats }),
      async close() {
        await worker.close();
        await pool.end();
      },
    };
  },
};
