import { loadConfig } from '../../src/config/env.ts';
import { type EventBus } from '../../src/bus/event-bus.ts';
import { createEventBus } from '../../src/bus/connect.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import type pg from 'pg';
import { EventStore } from '../../src/store/event-store.ts';
import { uniqueName, withBenchDatabase } from './bench-database.ts';

/** Logs of the code under measurement stay quiet: stdout carries the tables. */
export const quietLogger = (name: string): Logger => createLogger({ name, level: 'silent' });

/**
 * A JetStream bus on the shared server under a prefix of its own (its streams are this run's only),
 * passed to `fn` and destroyed afterwards, also when `fn` throws.
 */
export async function withBenchBus<T>(natsUrl: string, fn: (bus: EventBus) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...process.env, EVENT_BUS: 'jetstream', NATS_URL: natsUrl });
  const bus = await createEventBus(config, { prefix: uniqueName('bench').replace('_', '-'), clientName: 'bench' });
  try {
    return await fn(bus);
  } finally {
    await bus.destroyChannels();
    await bus.close();
  }
}

/** A fresh database (its store and pool) and a bus of its own for one run; both removed afterwards. */
export function withStoreAndBus<T>(natsUrl: string, fn: (store: EventStore, pool: pg.Pool, bus: EventBus) => Promise<T>): Promise<T> {
  return withBenchDatabase((db) => withBenchBus(natsUrl, (bus) => fn(new EventStore(db.pool), db.pool, bus)));
}
