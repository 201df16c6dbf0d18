import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { AggregateDefinition } from '../../src/commands/domain/aggregate.ts';
import { DomainRejectionError } from '../../src/commands/domain/errors.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { AggregateNotHaltedError } from '../../src/commands/gate/gate.ts';
import { Order } from '../../examples/orders/domain/index.ts';
import { createHarness, type Harness } from './support/harness.ts';

/** A rejection code and reason that look nothing like `rejected [code]: reason` text would need. */
class OutOfStock extends DomainRejectionError {
  override readonly code = 'OUT_OF_STOCK';
}
const REASON = 'item "x" is at version 3 of the catalogue: none left\n(rejected [later]: try again)';

const Stock: AggregateDefinition<{ reserved: number }> = {
  type: 'Stock',
  commands: { Reserve: z.object({ count: z.number().int() }).strict() },
  initialState: () => ({ reserved: 0 }),
  decide(_state, command) {
    if (command.payload.count > 1) throw new OutOfStock(REASON);
    return [{ type: 'Reserved', data: { count: command.payload.count } }];
  },
  evolve: (state, event) => ({ reserved: state.reserved + Number(event.data.count) }),
};

describe('outcomes travel as data', () => {
  let h: Harness;
  const jobKey = (commandId: string) => `${h.prefix}:${h.queueName}:${commandId}`;

  before(async () => {
    h = await createHarness({ registry: new CommandRegistry([Order, Stock]) });
    await h.startWorker();
  });
  after(() => h.close());

  it('a rejection keeps its code and reason exactly, whatever they look like, and the job keeps the outcome', async () => {
    const command = { commandId: 'reserve-2', type: 'Reserve', aggregateId: 'stock-1', payload: { count: 2 } };
    const expected = { commandId: 'reserve-2', aggregateId: 'stock-1', status: 'rejected', code: 'OUT_OF_STOCK', reason: REASON };
    assert.deepEqual(await h.client.sendAndWait(command), expected);
    const seen = await h.client.getCommand('reserve-2');
    assert.equal(seen?.state, 'failed');
    assert.deepEqual(seen?.outcome, expected);
    assert.equal(seen?.failedReason, `rejected [OUT_OF_STOCK]: ${REASON}`, 'Bull Board still shows a readable reason');
    assert.deepEqual(JSON.parse((await h.redis.hget(jobKey('reserve-2'), 'rejection'))!), expected);
    // After Redis forgot the job, from the store.
    await (await h.queue.getJob('reserve-2'))!.remove();
    assert.deepEqual((await h.client.getCommand('reserve-2'))?.outcome, expected);
    assert.deepEqual(await h.client.sendAndWait(command), expected);
  });

  it('a version conflict carries the actual version as a number', async () => {
    await h.client.sendAndWait({ type: 'CreateOrder', aggregateId: 'order-1', payload: { customerId: 'c', total: 1 } });
    const conflict = await h.client.sendAndWait({ commandId: 'late', type: 'UpdateOrderStatus', aggregateId: 'order-1', payload: { status: 'paid' }, expectedVersion: 5 });
    assert.ok(conflict.status === 'rejected' && conflict.code === 'concurrency' && conflict.actualVersion === 1, JSON.stringify(conflict));
    assert.deepEqual((await h.client.getCommand('late'))?.outcome, conflict);
    assert.deepEqual(await h.client.sendAndWait({ commandId: 'late', type: 'UpdateOrderStatus', aggregateId: 'order-1', payload: { status: 'paid' }, expectedVersion: 5 }), conflict);
  });

  it('resuming an aggregate that is not halted is refused with AggregateNotHaltedError', async () => {
    await assert.rejects(h.client.resumeAggregate('stock-1'), (error: unknown) => error instanceof AggregateNotHaltedError && error.aggregateId === 'stock-1');
  });
});
