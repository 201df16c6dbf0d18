import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { type EventBus } from '../../../src/bus/event-bus.ts';
import { createEventBus } from '../../../src/bus/connect.ts';
import { CommandClient } from '../../../src/commands/gate/command-client.ts';
import { loadConfig } from '../../../src/config/env.ts';
import { exampleDomain } from '../../../examples/orders/domain/index.ts';
import { ordersProjection } from '../../../examples/orders/orders-projection.ts';
import { migrate } from '../../../src/store/migrate.ts';
import { createPool } from '../../../src/store/pool.ts';
import { waitUntil } from '../../support/wait.ts';
import { TempNats, TempPostgres, TempRedis } from '../support/servers.ts';
import { RoleProcess } from './processes.ts';

/**
 * The system under chaos: its own PostgreSQL, Redis and NATS, each role as its own process
 * connected as the application role, and the run's own connections to watch it.
 */
export class ChaosSystem {
  readonly logDir = mkdtempSync(join(tmpdir(), 'eventstore-chaos-logs-'));
  readonly workers: RoleProcess[];
  readonly relay: RoleProcess;
  readonly projector: RoleProcess;
  /** Sent so far by the producers (they update it). */
  readonly stats = { sent: 0, retries: 0 };

  private constructor(
    readonly runId: string,
    readonly servers: { postgres: TempPostgres; redis: TempRedis; nats: TempNats },
    readonly db: pg.Pool,
    readonly bus: EventBus,
    readonly client: CommandClient,
    env: Record<string, string>,
    workers: number,
  ) {
    this.workers = Array.from({ length: workers }, (_, i) => new RoleProcess(`worker-${i + 1}`, 'workers/worker.ts', env, this.logDir));
    this.relay = new RoleProcess('relay', 'test/reliability/chaos/relay-process.ts', env, this.logDir);
    this.projector = new RoleProcess('projector', 'test/reliability/chaos/projector-process.ts', env, this.logDir);
  }

  static async start(workers: number): Promise<ChaosSystem> {
    const [postgres, redis, nats] = await Promise.all([TempPostgres.start(), TempRedis.start(), TempNats.start()]);
    await migrate(postgres.url('chaos'), { projections: [ordersProjection] });
    const runId = randomBytes(3).toString('hex');
    const prefix = `chaos-${runId}`;
    const env = {
      DATABASE_URL: postgres.url('chaos', 'eventstore_app'),
      MIGRATION_DATABASE_URL: postgres.url('chaos'),
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      EVENT_BUS: 'jetstream',
      NATS_PREFIX: prefix,
      REDIS_PREFIX: prefix,
      QUEUE_NAME: 'commands',
      LOG_LEVEL: 'warn',
      // A killed worker's command runs again after a few seconds rather than the production 30 s.
      COMMAND_LOCK_MS: '5000',
      COMMAND_STALLED_INTERVAL_MS: '2000',
      RECONCILE_INTERVAL_MS: '1000',
      RECONCILE_AFTER_MS: '3000',
      WORKER_CONCURRENCY: '20',
      // Small relay batches widen the window in which a kill lands mid-publish.
      CHAOS_RELAY_BATCH: '20',
    };
    const config = loadConfig(env);
    const db = createPool(config.databaseUrl, { max: 4, applicationName: 'chaos-run', onError: () => {} });
    const bus = await createEventBus(config, { clientName: 'chaos-run' });
    const client = new CommandClient({ redisUrl: config.redisUrl, queueName: config.queueName, prefix: config.redisPrefix, registry: exampleDomain, pool: db });
    const system = new ChaosSystem(runId, { postgres, redis, nats }, db, bus, client, env, workers);
    for (const role of system.roles) role.start();
    return system;
  }

  get roles(): RoleProcess[] {
    return [...this.workers, this.relay, this.projector];
  }

  async count(sql: string): Promise<number> {
    return Number((await this.db.query(sql)).rows[0].n);
  }

  storeEvents(): Promise<number> {
    return this.count('SELECT count(*) AS n FROM events');
  }

  processed(): Promise<number> {
    return this.count('SELECT count(*) AS n FROM processed_commands');
  }

  async logLength(): Promise<number> {
    return (await this.bus.lastMessage(this.bus.subjects.events))?.sequence ?? 0;
  }

  async progress(): Promise<string> {
    try {
      return `sent ${this.stats.sent}, processed ${await this.processed()}, events ${await this.storeEvents()}, on NATS ${await this.logLength()}`;
    } catch (error) {
      return `(progress unavailable: ${(error as Error).message})`;
    }
  }

  /** Role exits nobody asked for. */
  crashes(): string[] {
    return this.roles.flatMap((role) => role.unexpectedExits);
  }

  /**
   * Waits for `check`, asking again while a server restarts. A role that died by itself fails the
   * wait at once: no supervisor restarts it here.
   */
  until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    return waitUntil(async () => {
      const crashes = this.crashes();
      if (crashes.length > 0) throw new Error(`a role process died by itself: ${crashes.join('; ')} (logs in ${this.logDir})`);
      return check().catch(() => false);
    }, what, timeoutMs);
  }

  /** Stops everything; the logs are removed unless `keepLogs` (a failed run keeps them). */
  async stop(keepLogs: boolean): Promise<void> {
    await Promise.all(this.roles.map((role) => role.stop()));
    this.roles.forEach((role) => role.close());
    await this.client.close().catch(() => {});
    await this.bus.close().catch(() => {});
    await this.db.end().catch(() => {});
    const { postgres, redis, nats } = this.servers;
    await Promise.all([postgres.stop(), redis.stop(), nats.stop()]);
    if (!keepLogs) rmSync(this.logDir, { recursive: true, force: true });
  }
}
