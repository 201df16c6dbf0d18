import { loadConfig } from '../../src/config/env.ts';
import { type EventBus } from '../../src/bus/event-bus.ts';
import { createEventBus } from '../../src/bus/connect.ts';
import { EventStore } from '../../src/store/event-store.ts';
import type pg from 'pg';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/database.ts';
import { jsonEvent } from '../support/events.ts';

export type Transport = 'jetstream' | 'stan';

/**
 * A bus under a random prefix: JetStream on the shared server (default), or NATS Streaming on
 * STAN_URL; destroy() deletes its streams (STAN channels cannot be deleted by a client).
 */
export async function createTestBus(
  options: { prefix?: string; natsUrl?: string; clientName?: string; transport?: Transport } = {},
): Promise<EventBus & { destroy(): Promise<void> }> {
  const config = loadConfig({ ...process.env, EVENT_BUS: options.transport ?? 'jetstream', ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}) });
  const prefix = options.prefix ?? uniqueName('test').replace('_', '-');
  const bus = await createEventBus(config, { prefix, clientName: options.clientName ?? 'test' });
  return Object.assign(bus, {
    async destroy() {
      await bus.destroyChannels();
      await bus.close();
    },
  });
}

/** Writes `orders` orders, each OrderCreated then `updates` OrderStatusUpdated, from `writers` concurrent writers. */
export async function writeOrders(pool: pg.Pool, options: { orders: number; updates: number; writers: number; tag?: string }): Promise<number> {
  const store = new EventStore(pool);
  const tag = options.tag ?? uniqueName('o');
  let next = 0;
  let written = 0;
  const writer = async () => {
    while (next < options.orders) {
      const i = next++;
      const id = `${tag}-${i}`;
      let version = (await store.append(id, [jsonEvent('OrderCreated', { customerId: `c-${i % 7}`, total: i + 0.5 })], { aggregateType: 'Order', expectedVersion: 'no_stream' })).nextExpectedVersion;
      written++;
      for (let u = 1; u <= options.updates; u++) {
        version = (await store.append(id, [jsonEvent('OrderStatusUpdated', { status: `s${u}` })], { aggregateType: 'Order', expectedVersion: version })).nextExpectedVersion;
        written++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
  return written;
}

export type TestBus = Awaited<ReturnType<typeof createTestBus>>;

/** A migrated database of its own and a bus (JetStream unless told) under a random prefix, for one test file. */
export async function openDatabaseAndBus(options: { natsUrl?: string; sql?: string; transport?: Transport } = {}): Promise<{ db: TestDatabase; bus: TestBus }> {
  const db = await createTestDatabase();
  if (options.sql) await db.pool.query(options.sql);
  return { db, bus: await createTestBus({ ...(options.natsUrl ? { natsUrl: options.natsUrl } : {}), ...(options.transport ? { transport: options.transport } : {}) }) };
}

/** Deletes the bus's streams and drops the database. */
export async function closeDatabaseAndBus(db: TestDatabase | undefined, bus: TestBus | undefined): Promise<void> {
  await bus?.destroy();
  await db?.drop();
}
