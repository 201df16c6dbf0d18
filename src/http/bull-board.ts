import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board over the command queue. Read-only unless the operator sets BULL_BOARD_ACTIONS=on:
 * its actions act on single jobs, behind the back of the per-aggregate gate. A "promote" or
 * "retry" runs a command before the ones ahead of it on its aggregate, "clean" or "remove" drops
 * a command the gate still waits for. Read-only mode is enforced by Bull Board's API (405), not
 * only hidden in the UI.
 */
export async function registerBullBoard(
  app: FastifyInstance,
  options: { queues: readonly Queue[]; actions: boolean; logger: Logger },
): Promise<void> {
  if (options.actions) {
    options.logger.warn(
      'BULL_BOARD_ACTIONS=on: Bull Board can promote, retry, clean and remove jobs. These bypass the per-aggregate ' +
        'ordering gate: a promoted or retried command can run out of order, a removed one can hold its aggregate ' +
        'until the reconciler skips it. Turn it off again after use.',
    );
  }
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: !options.actions, allowRetries: options.actions })),
    // @bull-board/fastify pins its own copy of @bull-board/api: same shapes, separate declarations.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'eventstore' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
}
