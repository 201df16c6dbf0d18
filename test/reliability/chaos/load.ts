import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandClient } from '../../../src/commands/gate/command-client.ts';
import type { SendCommand } from '../../../src/commands/gate/command-job.ts';
import { ORDER_STATUSES } from '../../../examples/orders/domain/order.ts';

/**
 * The chaos run's commands: `perAggregate` commands for each of `aggregates` orders, CreateOrder
 * first, then status changes, and every tenth order cancelled at the end. The gate stamps each
 * command's acceptance sequence into its events (`extra.acceptedSeq`); verify checks it.
 */
export function chaosCommands(aggregates: number, perAggregate: number, runId: string): SendCommand[][] {
  return Array.from({ length: aggregates }, (_, a) =>
    Array.from({ length: perAggregate }, (_, i) => {
      const seq = i + 1;
      const aggregateId = `order-${runId}-${a}`;
      const base = { commandId: `cmd-${runId}-${a}-${seq}`, aggregateId, metadata: { correlationId: `chaos-${runId}` } };
      if (seq === 1) return { ...base, type: 'CreateOrder', payload: { customerId: `customer-${a % 37}`, total: a + 0.25 } };
      if (seq === perAggregate && a % 10 === 0) return { ...base, type: 'CancelOrder', payload: { reason: `chaos ${a}` } };
      return { ...base, type: 'UpdateOrderStatus', payload: { status: ORDER_STATUSES[seq % ORDER_STATUSES.length]! } };
    }),
  );
}

export interface ProducerStats {
  sent: number;
  /** sendMany calls that failed (Redis down, ...) and were sent again with the same command ids. */
  retries: number;
}

/**
 * Producers sending every aggregate's commands in order. Aggregate i belongs to producer
 * i % producers, which sends batches one after another, so the queue accepts each aggregate's
 * commands in sequence order. A failed send is repeated with the same ids: the command id is the
 * idempotency key, so a repeat never queues a command twice.
 */
export async function produce(
  client: CommandClient,
  commands: SendCommand[][],
  options: { producers: number; batch: number; pauseMs: number; stats: ProducerStats },
): Promise<void> {
  const producer = async (p: number) => {
    const mine = commands.filter((_, a) => a % options.producers === p);
    // Round-robin over its aggregates, a batch at a time: each aggregate's commands stay in order.
    const queue: SendCommand[] = [];
    for (let i = 0; i < (mine[0]?.length ?? 0); i++) for (const aggregate of mine) queue.push(aggregate[i]!);
    for (let start = 0; start < queue.length; start += options.batch) {
      const batch = queue.slice(start, start + options.batch);
      for (;;) {
        try {
          await client.sendMany(batch);
          break;
        } catch {
          options.stats.retries++;
          await sleep(500);
        }
      }
      options.stats.sent += batch.length;
      await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.producers }, (_, p) => producer(p)));
}
