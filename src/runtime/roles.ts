import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type pg from 'pg';
import { Dispatcher } from '../bus/dispatcher.ts';
import { type EventBus } from '../bus/event-bus.ts';
import { createEventBus } from '../bus/connect.ts';
import { Relay, relayStatus } from '../bus/relay.ts';
import { CommandClient } from '../commands/gate/command-client.ts';
import { CommandWorker, type OutcomeEvent } from '../commands/worker/command-worker.ts';
import type { CommandRegistry } from '../commands/domain/registry.ts';
import { loadWorkerSettings } from '../commands/worker/worker-settings.ts';
import type { Config } from '../config/env.ts';
import { ConfigError } from '../errors.ts';
import { aggregateReader } from '../http/aggregate-reader.ts';
import { natsProbe, postgresProbe, redisProbe, workersProbe } from '../http/readiness.ts';
import { buildServer, listen } from '../http/server.ts';
import { serveMetrics } from '../observability/metrics-listener.ts';
import { Metrics } from '../observability/metrics.ts';
import { systemStatus } from '../observability/system-status.ts';
import { logConnectionErrors, type Logger } from '../logger.ts';
import { warnOnRedisMemoryPolicy } from '../observability/redis-memory-policy.ts';
import type { Projection } from '../projections/projection.ts';
import { Projector, subscriptionLag } from '../projections/projector.ts';
import { EventStore } from '../store/event-store.ts';

import type { RoleName } from './role-names.ts';

export { ROLES, type RoleName } from './role-names.ts';

/** What every role of one process shares. */
export interface RoleContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  metrics: Metrics;
  registry: CommandRegistry;
  projections: ReadonlyMap<string, Projection>;
  env: Record<string, string | undefined>;
  onOutcome?: (outcome: OutcomeEvent) => void;
}

export interface RunningRole {
  name: string;
  /** Where the role listens, if it does (the server's URL). */
  url?: string;
  stop(): Promise<void>;
}

export async function startRole(role: RoleName, ctx: RoleContext): Promise<RunningRole[]> {
  switch (role) {
    case 'server':
      return [await startServer(ctx)];
    case 'worker':
      return [await startWorker(ctx)];
    case 'relay':
      return [await startRelay(ctx)];
    case 'dispatcher':
      return [await startDispatcher(ctx)];
    case 'projector':
      return Promise.all([...ctx.projections.values()].map((projection) => startProjector(ctx, projection)));
  }
}

/**
 * The HTTP API. It also reports the whole system's state (queue depth, backlog, relay and
 * subscription lag) at /metrics and /status, read from Redis and PostgreSQL at request time.
 */
const SHUTDOWN_GRACE_MS = 5_000;

export async function startServer(ctx: RoleContext): Promise<RunningRole> {
  const { config, pool } = ctx;
  const log = ctx.logger.child({ role: 'server' });
  const redis = { redisUrl: config.redisUrl, queueName: config.queueName, prefix: config.redisPrefix };
  const commands = new CommandClient({ ...redis, registry: ctx.registry, pool, maxCommandBytes: config.maxCommandBytes, jobs: config.jobs, logger: log });
  const queue = new Queue(config.queueName, { connection: { url: config.redisUrl }, prefix: config.redisPrefix });
  // Without a listener BullMQ prints its errors with console.error, a refused password included.
  queue.on('error', logConnectionErrors(log, 'redis (bull board queue)'));
  void warnOnRedisMemoryPolicy(config.redisUrl, log);
  const store = new EventStore(pool, { maxEventBytes: config.maxEventBytes });
  const status = systemStatus({
    queue,
    gate: async () => {
      const [inGates, aggregates, halted, oldest] = await Promise.all([
        commands.gate.size(),
        commands.gate.activeAggregates(),
        commands.haltedAggregates(),
        commands.gate.oldestQueuedAt(),
      ]);
      // One command per aggregate is its head (running or about to); the rest wait behind it.
      return {
        parkedCommands: Math.max(0, inGates - aggregates),
        aggregatesWithBacklog: aggregates,
        haltedAggregates: halted.length,
        oldestQueuedCommandAgeSeconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
      };
    },
    workers: () => queue.getWorkersCount(),
    relay: () => relayStatus(pool, config.natsPrefix),
    // Counted on each projection's own event types: its checkpoint does not move past events it skips.
    subscriptions: () =>
      Promise.all(
        [...ctx.projections.values()].map(async ({ name, eventTypes }) => ({
          subscription: name,
          ...(await subscriptionLag(pool, name, eventTypes)),
        })),
      ),
  });
  ctx.metrics.observeStatus(status);
  const probes = [
    postgresProbe(pool),
    redisProbe(config.redisUrl, log),
    natsProbe(config.eventBus === 'stan' ? config.stan.url! : config.natsUrl, log),
    workersProbe(queue),
  ];
  const app = await buildServer({
    logger: log,
    apiToken: config.http.apiToken,
    maxCommandBytes: config.maxCommandBytes,
    bullBoardActions: config.http.bullBoardActions,
    store,
    commands,
    aggregates: aggregateReader(store, ctx.registry),
    registry: ctx.registry,
    projections: ctx.projections,
    readDb: pool,
    queues: [queue],
    probes,
    metrics: ctx.metrics.registry,
    status,
  });
  const url = await listen(app, { host: config.http.host, port: config.http.port, apiToken: config.http.apiToken });
  return {
    name: 'server',
    url,
    async stop() {
      const closing = app.close(); // new requests get 503, running ones finish
      // Requests waiting for an outcome could hold the stop for up to a minute: after a grace
      // period their waits end (503; their commands stay queued and run).
      await Promise.race([closing, sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false })]);
      await commands.close();
      await closing;
      await Promise.all([queue.close(), ...probes.map((probe) => probe.close?.())]);
    },
  };
}

/** Command workers (WORKER_CONCURRENCY commands at once over different aggregates). */
export async function startWorker(ctx: RoleContext): Promise<RunningRole> {
  const { config } = ctx;
  const log = ctx.logger.child({ role: 'worker' });
  const settings = loadWorkerSettings(ctx.env);
  const worker = new CommandWorker({
    ...settings,
    redisUrl: config.redisUrl,
    queueName: config.queueName,
    prefix: config.redisPrefix,
    registry: ctx.registry,
    pool: ctx.pool,
    logger: log,
    maxEventBytes: config.maxEventBytes,
  });
  worker.on('error', () => {}); // logged by the worker; the process keeps running through outages
  void warnOnRedisMemoryPolicy(config.redisUrl, log);
  ctx.metrics.observeWorker(worker);
  worker.on('outcome', (outcome: OutcomeEvent) => {
    const { commandId, commandType, aggregateId, correlationId, status, code, reason, version, durationMs, attempts } = outcome;
    // Accepted commands at debug: at thousands a second, info would drown everything else.
    log[status === 'accepted' ? 'debug' : 'info'](
      { commandId, commandType, aggregateId, correlationId, status, code, reason, version, durationMs, attempts },
      `command ${status}`,
    );
  });
  if (ctx.onOutcome) worker.on('outcome', ctx.onOutcome);
  await worker.start();
  log.info({ queue: config.queueName, prefix: config.redisPrefix, concurrency: settings.concurrency }, 'command worker started');
  return { name: 'worker', stop: () => worker.close() };
}

export async function startRelay(ctx: RoleContext): Promise<RunningRole> {
  // Relays publish and hold no durable: each copy gets a client id of its own (see createEventBus).
  return withBus(ctx, 'relay', { stableClientId: false }, async (bus) => {
    const relay = new Relay({ pool: ctx.pool, bus, logger: ctx.logger.child({ role: 'relay' }) });
    await relay.start();
    return () => relay.stop();
  });
}

/** Fans the event log out to one channel per projection, each with the event types it declared. */
export async function startDispatcher(ctx: RoleContext): Promise<RunningRole> {
  return withBus(ctx, 'dispatcher', { stableClientId: true }, async (bus) => {
    const routes = [...ctx.projections.values()].map(({ name, eventTypes }) => ({ name, eventTypes }));
    const dispatcher = new Dispatcher({ bus, routes, logger: ctx.logger.child({ role: 'dispatcher' }) });
    await dispatcher.start();
    return () => dispatcher.stop();
  });
}

/**
 * Keeps one projection up to date: from the dispatcher's channel for it (its event types only), or
 * with PROJECTOR_SOURCE=log from the event log itself (no dispatcher needed; other types skipped).
 */
export async function startProjector(ctx: RoleContext, projection: Projection): Promise<RunningRole> {
  const source = ctx.env.PROJECTOR_SOURCE || 'dispatcher';
  if (source !== 'dispatcher' && source !== 'log') throw new ConfigError([`PROJECTOR_SOURCE must be dispatcher or log, got "${source}"`]);
  return withBus(ctx, `projector-${projection.name}`, { stableClientId: true }, async (bus) => {
    const projector = new Projector({
      projection,
      bus,
      pool: ctx.pool,
      subject: source === 'log' ? bus.subjects.events : bus.subjects.dispatch(projection.name),
      logger: ctx.logger.child({ role: 'projector', projection: projection.name }),
    });
    await projector.start();
    return () => projector.stop();
  });
}

type RoleStart = (bus: EventBus) => Promise<() => Promise<void>>;

/** A role on a bus connection of its own, closed after the role stops. */
async function withBus(ctx: RoleContext, name: string, ids: { stableClientId: boolean }, start: RoleStart): Promise<RunningRole> {
  const bus = await createEventBus(ctx.config, { clientName: `${ctx.config.natsPrefix}-${name}`, ...ids });
  try {
    const stopRole = await start(bus);
    let stopped: Promise<void> | undefined;
    return {
      name,
      // Once only, however often it is called (an operator stopping one role, then the process).
      stop: () =>
        (stopped ??= (async () => {
          await stopRole();
          await bus.close();
        })()),
    };
  } catch (error) {
    await bus.close().catch(() => {});
    throw error;
  }
}

/** Roles without the HTTP API expose their metrics on METRICS_PORT, when it is set. */
export async function startMetricsListener(ctx: RoleContext): Promise<RunningRole | undefined> {
  if (!ctx.config.http.metricsPort) return undefined;
  const listener = await serveMetrics(ctx.metrics.registry, {
    host: ctx.config.http.host,
    port: ctx.config.http.metricsPort,
    apiToken: ctx.config.http.apiToken,
  });
  return { name: 'metrics', url: listener.url, stop: listener.close };
}
