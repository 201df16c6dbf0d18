import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '../../src/store/event-store.ts';
import { START, type AppendRequest, type CommitPosition, type RecordedEvent } from '../../src/store/types.ts';

const EVENTS_PER_ORDER = 10;
const BATCH = 500;
const CREATED = Buffer.from(JSON.stringify({ customerId: 'customer-1', total: 100 }));
const UPDATED = Buffer.from(JSON.stringify({ status: 'shipped' }));

/**
 * Fills the store with `events` order events before a clock starts: orders of one OrderCreated and
 * nine OrderStatusUpdated each, appended by appendMany in batches of 500 aggregates.
 */
export async function fillOrders(store: EventStore, events: number, tag = 'fill'): Promise<number> {
  const orders = Math.max(1, Math.ceil(events / EVENTS_PER_ORDER));
  const versions = new Array<number>(orders).fill(0);
  let written = 0;
  while (written < events) {
    const batch: AppendRequest[] = [];
    for (let i = 0; i < orders && written + batch.length < events && batch.length < BATCH; i++) {
      if (versions[i]! >= EVENTS_PER_ORDER) continue;
      batch.push(orderEvent(`order-${tag}-${i}`, versions[i]!));
      versions[i]!++;
    }
    if (batch.length === 0) break;
    await store.appendMany(batch);
    written += batch.length;
  }
  return written;
}

/** The next event of an order at `version`: OrderCreated first, then status updates. */
export function orderEvent(aggregateId: string, version: number, occurredAt?: Date): AppendRequest {
  return {
    aggregateId,
    aggregateType: 'Order',
    events: [{ eventType: version === 0 ? 'OrderCreated' : 'OrderStatusUpdated', data: version === 0 ? CREATED : UPDATED, ...(occurredAt ? { occurredAt } : {}) }],
    expectedVersion: version === 0 ? 'no_stream' : version,
  };
}

/**
 * Appends order events at a steady `perSecond` for `seconds`, each stamped with occurredAt = the
 * moment of its append, in small appendMany statements every 10 ms. Returns the events written.
 */
export async function writeSteadily(store: EventStore, perSecond: number, seconds: number, tag: string): Promise<number> {
  const versions = new Map<number, number>();
  const orders = Math.max(10, perSecond);
  const started = Date.now();
  let written = 0;
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond) - written;
    if (due > 0) {
      const now = new Date();
      const batch = Array.from({ length: Math.min(due, orders) }, (_, k) => {
        const order = (written + k) % orders;
        const version = versions.get(order) ?? 0;
        versions.set(order, version + 1);
        return orderEvent(`order-${tag}-${order}`, version, now);
      });
      await store.appendMany(batch);
      written += batch.length;
    }
    await sleep(10);
  }
  return written;
}

/**
 * Reads `count` events in commit order, in pages. An empty page before the end is not the end:
 * readAll holds back events of transactions newer than the oldest one still running anywhere in
 * the cluster (the xmin rule), and this PostgreSQL is shared, so wait for them.
 */
export async function readEvents(
  store: EventStore,
  count: number,
  page: number,
  onPage: (events: RecordedEvent[]) => void | Promise<void> = () => {},
): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: CommitPosition = START;
  const deadline = Date.now() + 120_000;
  while (all.length < count) {
    const events = await store.readAll({ after, limit: Math.min(page, count - all.length) });
    if (events.length === 0) {
      if (Date.now() > deadline) throw new Error(`readAll returned ${all.length} of ${count} events within 120 s`);
      await sleep(5);
      continue;
    }
    await onPage(events);
    all.push(...events);
    after = events.at(-1)!;
  }
  return all;
}
