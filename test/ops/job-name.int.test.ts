import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { defineAggregate } from '../../src/commands/domain/define-aggregate.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { createHarness, type Harness } from '../commands/support/harness.ts';
import { waitUntil } from '../support/wait.ts';

/** A decider with a bug its event schema catches: the command fails for good. */
const Broken = defineAggregate({
  type: 'Broken',
  commands: { Break: z.object({}) },
  events: { Broke: z.object({ n: z.number().positive() }).strict() },
  initialState: () => ({}),
  decide: () => [{ type: 'Broke', data: { n: -1 } }],
  evolve: (state) => state,
});

describe('job names carry the aggregate', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ registry: new CommandRegistry([Broken]) });
    await h.startWorker();
  });
  after(() => h.close());

  it('names the job "<type> <aggregate id>", and a failed outcome still has the bare command type', async () => {
    await h.client.send({ commandId: 'break-1', type: 'Break', aggregateId: 'broken-7', payload: {} });
    assert.equal((await h.queue.getJob('break-1'))?.name, 'Break broken-7');
    await waitUntil(() => h.outcomes.some((o) => o.commandId === 'break-1'), 'the outcome');
    const outcome = h.outcomes.find((o) => o.commandId === 'break-1')!;
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.commandType, 'Break', 'from the job data, not the name');
  });
});
