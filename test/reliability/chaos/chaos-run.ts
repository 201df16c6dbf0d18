import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { checkpointLag } from '../../../src/bus/checkpoint.ts';
import { createEventBus, type EventBus } from '../../../src/bus/event-bus.ts';
import { CommandClient } from '../../../src/commands/command-client.ts';
import { decodeEvent } from '../../../src/envelope/codec.ts';
import { loadConfig } from '../../../src/config.ts';
import { exampleDomain } from '../../../src/domain/index.ts';
import { ordersProjection } from '../../../src/projections/orders-projection.ts';
import { migrate } from '../../../src/store/migrate.ts';
import { createPool } from '../../../src/store/pool.ts';
import { formatReport, type VerifyReport } from '../../../src/verify/report.ts';
import { verify } from '../../../src/verify/verify.ts';
import { waitUntil } from '../../support/wait.ts';
import { TempNats, TempPostgres, TempRedis } from '../support/servers.ts';
import { chaosCommands, produce, type ProducerStats } from './load.ts';
import { RoleProcess } from './processes.ts';

export interface ChaosOptions {
  aggregates: number;
  commandsPerAggregate: number;
  workers: number;
  producers: number;
  /** How many times a worker process is SIGKILLed (round robin), and the pause before each. */
  workerKills: number;
  killEveryMs: number;
  /** Producer pacing: most commands per sendMany call, and roughly how long sending everything takes. */
  batch: number;
  sendSeconds: number;
  /** How long the backlogs may take to drain after the last injection. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  ok: boolean;
  commands: number;
  injected: string[];
  checked: string[];
  verify: VerifyReport;
  seconds: number;
  logDir: string;
}

/**
 * A whole system on servers of its own (PostgreSQL, Redis with its append-only file, NATS with
 * JetStream), its roles as separate processes connected as the application role, a steady load of
 * commands, and one fault after another. Then: every backlog drains by itself, every command took
 * effect exactly once, and verify passes with the event log and the orders projection.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
  const injected: string[] = [];
  const checked: string[] = [];
  const inject = (what: string) => {
    injected.push(`${stamp()}  ${what}`);
    log(`[chaos] ${stamp()} inject: ${what}`);
  };
  const logDir = mkdtempSync(join(tmpdir(), 'eventstore-chaos-logs-'));
  const runId = randomBytes(3).toString('hex');
  const total = options.aggregates * options.commandsPerAggregate;

  // The processes' logs stay for diagnosis when the run fails, and are removed when it held.
  let keepLogs = true;
  const [postgres, redis, nats] = await Promise.all([TempPostgres.start(), TempRedis.start(), TempNats.start()]);
  const roles: RoleProcess[] = [];
  let pool: pg.Pool | undefined;
  let client: CommandClient | undefined;
  let bus: EventBus | undefined;
  try {
    await migrate(postgres.url('chaos'));
    const env = {
      DATABASE_URL: postgres.url('chaos', 'eventstore_app'),
      MIGRATION_DATABASE_URL: postgres.url('chaos'),
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      EVENT_BUS: 'jetstream',
      NATS_PREFIX: `chaos-${runId}`,
      REDIS_PREFIX: `chaos-${runId}`,
      QUEUE_NAME: 'commands',
      LOG_LEVEL: 'warn',
      // A killed worker's command runs again after a few seconds rather than the production 30 s.
      COMMAND_LOCK_MS: '5000',
      COMMAND_STALLED_INTERVAL_MS: '2000',
      RECONCILE_INTERVAL_MS: '1000',
      RECONCILE_AFTER_MS: '3000',
      WORKER_CONCURRENCY: '20',
      CHAOS_RELAY_BATCH: '20',
    };
    const config = loadConfig(env);
    pool = createPool(config.databaseUrl, { max: 4, applicationName: 'chaos-run', onError: () => {} });
    bus = await createEventBus(config, { clientName: 'chaos-run' });
    client = new CommandClient({ redisUrl: config.redisUrl, queueName: config.queueName, prefix: config.redisPrefix, registry: exampleDomain, pool });

    const workers = Array.from({ length: options.workers }, (_, i) => new RoleProcess(`worker-${i + 1}`, 'workers/worker.ts', env, logDir));
    const relay = new RoleProcess('relay', 'test/reliability/chaos/relay-process.ts', env, logDir);
    const projector = new RoleProcess('projector', 'test/reliability/chaos/projector-process.ts', env, logDir);
    roles.push(...workers, relay, projector);
    for (const role of roles) role.start();
    log(`[chaos] run ${runId}: ${total} commands over ${options.aggregates} aggregates, ${options.workers} worker processes, logs in ${logDir}`);

    const stats: ProducerStats = { sent: 0, retries: 0 };
    const commands = chaosCommands(options.aggregates, options.commandsPerAggregate, runId);
    // At least ~40 batches per producer, so that commands keep arriving through every injection.
    const batch = Math.max(1, Math.min(options.batch, Math.floor(total / options.producers / 40)));
    const pauseMs = Math.round((options.sendSeconds * 1000) / Math.ceil(total / options.producers / batch));
    const producing = produce(client, commands, { producers: options.producers, batch, pauseMs, stats });
    producing.catch(() => {});

    const db = pool;
    const activeBus = bus;
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    const storeEvents = () => count('SELECT count(*) AS n FROM events');
    const logLength = async () => (await activeBus.lastMessage(activeBus.subjects.events))?.sequence ?? 0;
    const progress = async () => {
      try {
        return `sent ${stats.sent}, processed ${await count('SELECT count(*) AS n FROM processed_commands')}, events ${await storeEvents()}, on NATS ${await logLength()}`;
      } catch (error) {
        return `(progress unavailable: ${(error as Error).message})`;
      }
    };
    const pause = (ms: number) => sleep(ms);
    // A role that dies by itself is a failure of the run (no supervisor restarts it here): stop waiting.
    const alive = () => {
      const dead = roles.flatMap((role) => role.unexpectedExits);
      if (dead.length > 0) throw new Error(`a role process died by itself: ${dead.join('; ')} (logs in ${logDir})`);
    };
    const until = (check: () => Promise<boolean>, what: string, timeoutMs: number) =>
      waitUntil(async () => {
        alive();
        return check().catch(() => false); // a server restarting: ask again
      }, what, timeoutMs);

    await until(async () => (await count('SELECT count(*) AS n FROM processed_commands')) > 0, 'the workers to start processing', 120_000);
    log(`[chaos] ${stamp()} processing started; injecting faults one after another`);
    // 1. Worker processes SIGKILLed every few seconds, each started again.
    for (let k = 0; k < options.workerKills; k++) {
      await pause(options.killEveryMs);
      const worker = workers[k % workers.length]!;
      inject(`SIGKILL ${worker.name} (pid ${worker.pid}); ${await progress()}`);
      await worker.kill('SIGKILL');
      await pause(300);
      worker.start();
    }
    // 2. Redis killed (SIGKILL) and started again on its append-only file.
    await pause(2000);
    inject(`SIGKILL redis-server, restart from its append-only file after 1 s; ${await progress()}`);
    await redis.restart('SIGKILL');
    // 3. PostgreSQL: immediate stop (no shutdown checkpoint: crash recovery on start), start again.
    await pause(3000);
    inject(`PostgreSQL stopped in immediate mode (crash), restarted after 1 s; ${await progress()}`);
    await postgres.restart();
    // 4. NATS server restarted (its JetStream store on disk).
    await pause(3000);
    inject(`nats-server stopped and restarted after 1 s; ${await progress()}`);
    await nats.restart('SIGTERM');
    // 5. The relay killed while it publishes a backlog: stopped until one builds up, started, and
    //    SIGKILLed as soon as it has published part of it (tried again if it had already caught up).
    await pause(2000);
    for (let attempt = 1; ; attempt++) {
      await relay.kill('SIGKILL');
      const logBefore = await logLength();
      const backlog = Math.min(300, Math.ceil(total / 20));
      await until(async () => (await storeEvents()) >= logBefore + backlog, `a relay backlog of ${backlog} events to build up`, 120_000);
      relay.start();
      await until(async () => (await logLength()) > logBefore, 'the restarted relay to publish', 120_000);
      const [logAtKill, eventsAtKill] = [await logLength(), await storeEvents()];
      await relay.kill('SIGKILL');
      const midPublish = logAtKill < eventsAtKill;
      inject(`SIGKILL relay ${midPublish ? 'mid-publish' : 'after it caught up'}: it had published ${logAtKill - logBefore} of a ${eventsAtKill - logBefore}-event backlog; restarted`);
      relay.start();
      if (midPublish || attempt === 3) break;
    }
    // 6. The projector killed between its commit and its ack (it kills itself from afterCommit).
    await pause(2000);
    await projector.stop();
    projector.start({ CHAOS_KILL_AFTER_COMMITS: '5' }, { expectExit: true });
    await Promise.race([projector.exited(), sleep(120_000)]);
    const projectorLog = await readFile(join(logDir, 'projector.log'), 'utf8');
    const confession = projectorLog.match(/CHAOS: killing myself after commit of (\S+) \(position (\S+)\)/);
    if (!confession) throw new Error('the projector did not kill itself between commit and ack');
    inject(`projector SIGKILLed between the commit of event ${confession[1]} (position ${confession[2]}) and its ack; restarted`);
    projector.start();

    // Recovery: nobody helps from here on.
    await producing;
    log(`[chaos] ${stamp()} all ${stats.sent} commands sent (${stats.retries} sendMany calls repeated after a failure); draining: ${await progress()}`);
    const drained = Date.now();
    await until(async () => (await client!.backlogSize().catch(() => -1)) === 0, 'the command backlog to drain', options.drainTimeoutMs);
    await until(async () => (await count('SELECT count(*) AS n FROM processed_commands')) === total, 'every command to be processed', options.drainTimeoutMs);
    const events = await storeEvents();
    await until(async () => (await logLength()) >= events, 'the relay to publish every event', options.drainTimeoutMs);
    await until(async () => (await checkpointLag(db, ordersProjection.name)).lagEvents === 0, 'the projector to catch up', options.drainTimeoutMs);
    log(`[chaos] ${stamp()} drained in ${((Date.now() - drained) / 1000).toFixed(1)} s after the last command was sent`);

    // What held.
    const outcome = (await db.query(
      `SELECT count(*) FILTER (WHERE status = 'accepted') AS accepted, count(*) FILTER (WHERE status = 'rejected') AS rejected,
              count(*) FILTER (WHERE command_id LIKE $1) AS ours
       FROM processed_commands`,
      [`cmd-${runId}-%`],
    )).rows[0];
    const problems: string[] = [];
    const expect = (holds: boolean, what: string) => {
      checked.push(`${holds ? 'held  ' : 'BROKEN'} ${what}`);
      if (!holds) problems.push(what);
    };
    expect(Number(outcome.ours) === total, `every one of the ${total} commands sent has an outcome (found ${outcome.ours})`);
    expect(Number(outcome.accepted) === total && Number(outcome.rejected) === 0, `all accepted, none rejected (accepted ${outcome.accepted}, rejected ${outcome.rejected}): no command ran out of its aggregate's order`);
    expect(events === total, `exactly one event per command: ${events} events for ${total} commands`);
    const lengths = await count(`SELECT count(*) AS n FROM (SELECT aggregate_id FROM events GROUP BY aggregate_id HAVING max(event_version) <> ${options.commandsPerAggregate}) x`);
    expect(lengths === 0, `every aggregate ends at version ${options.commandsPerAggregate} (${lengths} do not)`);
    expect((await client.backlogSize()) === 0, 'the command backlog is empty, no aggregate left stuck');
    expect((await client.haltedAggregates()).length === 0, 'no aggregate halted');
    const crashes = roles.flatMap((role) => role.unexpectedExits);
    expect(crashes.length === 0, `no role process died by itself (${crashes.length === 0 ? 'none did' : crashes.join('; ')})`);
    const report = await verify({ pool: db, bus, projections: [ordersProjection], requireLogCaughtUp: true });
    expect(report.ok, 'verify passes: versions, commands, acceptance order, event log = commit order, orders projection = rebuild');
    if (!report.ok) await dumpForDiagnosis(db, bus, logDir);
    checked.push(...formatReport(report).split('\n').map((line) => `  ${line}`));
    injected.push(`(in all: ${workers.reduce((n, w) => n + w.kills, 0)} worker SIGKILLs, 1 Redis kill, 1 PostgreSQL crash, 1 NATS restart, ${relay.kills} relay SIGKILL(s), 1 projector kill between commit and ack)`);
    const ok = problems.length === 0;
    if (ok) keepLogs = false;
    return { ok, commands: total, injected, checked, verify: report, seconds: (Date.now() - started) / 1000, logDir };
  } finally {
    await Promise.all(roles.map((role) => role.stop()));
    roles.forEach((role) => role.close());
    await client?.close().catch(() => {});
    await bus?.close().catch(() => {});
    await pool?.end().catch(() => {});
    await Promise.all([postgres.stop(), redis.stop(), nats.stop()]);
    if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  }
}

/** On failure: the store's commit order and the event log side by side, for a human to compare. */
async function dumpForDiagnosis(db: pg.Pool, bus: EventBus, logDir: string): Promise<void> {
  const { rows } = await db.query(`SELECT transaction_id::text, global_position, event_id, aggregate_id, event_version FROM events ORDER BY events.transaction_id, events.global_position`);
  await writeFile(join(logDir, 'store-order.txt'), rows.map((r) => `${r.transaction_id} ${r.global_position} ${r.event_id} ${r.aggregate_id} v${r.event_version}`).join('\n'));
  const lines: string[] = [];
  await bus.readHistory(bus.subjects.events, { from: 'all' }, async (messages) => {
    for (const m of messages) {
      const e = decodeEvent(m.data);
      lines.push(`#${m.sequence} ${e.transactionId} ${e.globalPosition} ${e.eventId} ${e.aggregateId} v${e.eventVersion}`);
    }
  });
  await writeFile(join(logDir, 'log-order.txt'), lines.join('\n'));
}

export function formatChaosReport(report: ChaosReport): string {
  return [
    `chaos run: ${report.commands} commands, ${report.seconds.toFixed(0)} s, ${report.ok ? 'EVERYTHING HELD' : `FAILED (process logs kept in ${report.logDir})`}`,
    'injected:',
    ...report.injected.map((line) => `  ${line}`),
    'checked:',
    ...report.checked.map((line) => `  ${line}`),
  ].join('\n');
}
