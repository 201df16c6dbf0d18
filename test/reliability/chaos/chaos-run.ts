import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { checkpointLag } from '../../../src/subscriptions/checkpoint.ts';
import type { EventBus } from '../../../src/bus/event-bus.ts';
import { decodeEvent } from '../../../src/envelope/codec.ts';
import { ordersProjection } from '../../../examples/orders/orders-projection.ts';
import { formatReport, type VerifyReport } from '../../../src/verify/report.ts';
import { verify } from '../../../src/verify/verify.ts';
import { crashPostgres, crashRedis, killProjectorBetweenCommitAndAck, killRelayMidPublish, killWorkers, restartNats } from './faults.ts';
import { chaosCommands, produce } from './load.ts';
import { ChaosSystem } from './system.ts';

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
  const inject = (what: string) => {
    injected.push(`${stamp()}  ${what}`);
    log(`[chaos] ${stamp()} inject: ${what}`);
  };
  const total = options.aggregates * options.commandsPerAggregate;
  const system = await ChaosSystem.start(options.workers);
  let ok = false;
  try {
    log(`[chaos] run ${system.runId}: ${total} commands over ${options.aggregates} aggregates, ${options.workers} worker processes, logs in ${system.logDir}`);
    // At least ~40 batches per producer, so that commands keep arriving through every injection.
    const batch = Math.max(1, Math.min(options.batch, Math.floor(total / options.producers / 40)));
    const pauseMs = Math.round((options.sendSeconds * 1000) / Math.ceil(total / options.producers / batch));
    const commands = chaosCommands(options.aggregates, options.commandsPerAggregate, system.runId);
    const producing = produce(system.client, commands, { producers: options.producers, batch, pauseMs, stats: system.stats });
    producing.catch(() => {});

    await system.until(async () => (await system.processed()) > 0, 'the workers to start processing', 120_000);
    log(`[chaos] ${stamp()} processing started; injecting faults one after another`);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await killWorkers(system, inject, options.workerKills, options.killEveryMs);
    await pause(2000);
    await crashRedis(system, inject);
    await pause(3000);
    await crashPostgres(system, inject);
    await pause(3000);
    await restartNats(system, inject);
    await pause(2000);
    await killRelayMidPublish(system, inject, Math.min(300, Math.ceil(total / 20)));
    await pause(2000);
    await killProjectorBetweenCommitAndAck(system, inject);
    injected.push(`(in all: ${system.workers.reduce((n, w) => n + w.kills, 0)} worker SIGKILLs, 1 Redis kill, 1 PostgreSQL crash, 1 NATS restart, ${system.relay.kills} relay SIGKILL(s), 1 projector kill between commit and ack)`);

    // Recovery: nobody helps from here on.
    await producing;
    log(`[chaos] ${stamp()} all ${system.stats.sent} commands sent (${system.stats.retries} sendMany calls repeated after a failure); draining: ${await system.progress()}`);
    const drainStarted = Date.now();
    await drain(system, total, options.drainTimeoutMs);
    log(`[chaos] ${stamp()} drained in ${((Date.now() - drainStarted) / 1000).toFixed(1)} s after the last command was sent`);

    const { checked, report, problems } = await checkWhatHeld(system, total, options.commandsPerAggregate);
    ok = problems === 0;
    return { ok, commands: total, injected, checked, verify: report, seconds: (Date.now() - started) / 1000, logDir: system.logDir };
  } finally {
    await system.stop(!ok);
  }
}

/** Every backlog empties by itself: command gates, outcomes, the event log, the projection. */
async function drain(system: ChaosSystem, total: number, timeoutMs: number): Promise<void> {
  await system.until(async () => (await system.client.backlogSize()) === 0, 'the command backlog to drain', timeoutMs);
  await system.until(async () => (await system.processed()) === total, 'every command to be processed', timeoutMs);
  const events = await system.storeEvents();
  await system.until(async () => (await system.logLength()) >= events, 'the relay to publish every event', timeoutMs);
  await system.until(async () => (await checkpointLag(system.db, ordersProjection.name)).lagEvents === 0, 'the projector to catch up', timeoutMs);
}

/** The checks after the run, each reported as held or BROKEN, and verify's own report. */
async function checkWhatHeld(system: ChaosSystem, total: number, perAggregate: number) {
  const checked: string[] = [];
  let problems = 0;
  const expect = (holds: boolean, what: string) => {
    checked.push(`${holds ? 'held  ' : 'BROKEN'} ${what}`);
    if (!holds) problems++;
  };
  const { db, bus, client } = system;
  const outcome = (await db.query(
    `SELECT count(*) FILTER (WHERE status = 'accepted') AS accepted, count(*) FILTER (WHERE status = 'rejected') AS rejected,
            count(*) FILTER (WHERE command_id LIKE $1) AS ours
     FROM processed_commands`,
    [`cmd-${system.runId}-%`],
  )).rows[0];
  const events = await system.storeEvents();
  const short = await system.count(`SELECT count(*) AS n FROM (SELECT aggregate_id FROM events GROUP BY aggregate_id HAVING max(event_version) <> ${perAggregate}) x`);
  const crashes = system.crashes();
  expect(Number(outcome.ours) === total, `every one of the ${total} commands sent has an outcome (found ${outcome.ours})`);
  expect(Number(outcome.accepted) === total && Number(outcome.rejected) === 0, `all accepted, none rejected (accepted ${outcome.accepted}, rejected ${outcome.rejected}): no command ran out of its aggregate's order`);
  expect(events === total, `exactly one event per command: ${events} events for ${total} commands`);
  expect(short === 0, `every aggregate ends at version ${perAggregate} (${short} do not)`);
  expect((await client.backlogSize()) === 0, 'the command backlog is empty, no aggregate left stuck');
  expect((await client.haltedAggregates()).length === 0, 'no aggregate halted');
  expect(crashes.length === 0, `no role process died by itself (${crashes.length === 0 ? 'none did' : crashes.join('; ')})`);
  const report = await verify({ pool: db, bus, projections: [ordersProjection], requireLogCaughtUp: true });
  expect(report.ok, 'verify passes: versions, commands, acceptance order, event log = commit order, orders projection = rebuild');
  if (!report.ok) await dumpForDiagnosis(db, bus, system.logDir);
  checked.push(...formatReport(report).split('\n').map((line) => `  ${line}`));
  return { checked, report, problems };
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
