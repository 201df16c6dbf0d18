import pg from 'pg';
import { EventStore } from '../../src/store/event-store.ts';
import { createPool } from '../../src/store/pool.ts';
import type { BenchCommand } from '../workload/command-workload.ts';
import type { ConsumerStats, RunConfig } from './contender.ts';
import { DomainWork, type ConflictPolicy } from './domain-work.ts';

/** The database side shared by every baseline consumer: a pool, the store and the domain work. */
export class DomainConsumer {
  readonly pool: pg.Pool;
  readonly work: DomainWork;
  private failed = 0;

  constructor(config: RunConfig, policy: ConflictPolicy) {
    this.pool = createPool(config.databaseUrl, { max: config.poolSize, applicationName: 'eventstore-bench-worker' });
    this.work = new DomainWork(new EventStore(this.pool), policy);
  }

  /** The job handler: a command that fails for good is counted, so the run still ends. */
  async handle(command: BenchCommand, isFinalAttempt: boolean): Promise<void> {
    try {
      await this.work.handle(command);
    } catch (error) {
      if (isFinalAttempt) this.failed++;
      throw error;
    }
  }

  stats(): ConsumerStats {
    return { ...this.work.stats, failed: this.failed };
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
