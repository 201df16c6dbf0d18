import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { defineAggregate } from '../../src/commands/domain/define-aggregate.ts';
import { CommandRegistry } from '../../src/commands/domain/registry.ts';
import { CommandFailedError } from '../../src/commands/gate/errors.ts';
import { EventStore } from '../../src/store/event-store.ts';
import { parseData } from '../support/events.ts';
import { createHarness, type Harness } from '../commands/support/harness.ts';

/** A decider with two bugs its event schemas catch: Count decides n <= 0, Leak an undeclared event. */
const Counter = defineAggregate({
  type: 'Counter',
  commands: { Count: z.object({ n: z.number().int() }), Leak: z.object({}) },
  events: { Counted: z.object({ n: z.number().int().positive() }).strict() },
  initialState: (): { total: number } => ({ total: 0 }),
  decide: (_state, command) => (command.type === 'Count' ? [{ type: 'Counted', data: { n: command.payload.n } }] : ([{ type: 'Leaked', data: {} }] as never)),
  evolve: (state, event): { total: number } => ({ total: state.total + event.data.n }),
});

describe('decided events checked against the event schemas', () => {
  let h: Harness;

  before(async () => {
    h = await createHarness({ registry: new CommandRegistry([Counter]) });
    await h.startWorker();
  });
  after(() => h.close());

  async function failsForGood(command: { commandId: string; type: string; payload: unknown }, reason: RegExp) {
    await assert.rejects(h.client.sendAndWait({ ...command, aggregateId: 'counter-1' }), (error: unknown) => {
      assert.ok(error instanceof CommandFailedError, `got ${String(error)}`);
      assert.match(error.failedReason, reason);
      return true;
    });
    const status = await h.client.getCommand(command.commandId);
    assert.equal(status?.state, 'failed');
    assert.equal(status?.attempts, 1, 'a bug in decide is not retried');
  }

  it('fails a command whose decided data does not match its schema for good, naming the event and the problem, and writes nothing', async () => {
    await failsForGood({ commandId: 'count-bad', type: 'Count', payload: { n: -1 } }, /^Counter\.decide returned event Counted with data that does not match its schema: n: .*>0.* \(command Count\)$/);
    await failsForGood({ commandId: 'leak', type: 'Leak', payload: {} }, /^Counter\.decide returned event "Leaked", which it does not declare \(declared: Counted\) \(command Leak\)$/);
    // The aggregate's next command runs on the state the failed ones left untouched.
    const outcome = await h.client.sendAndWait({ commandId: 'count-ok', type: 'Count', aggregateId: 'counter-1', payload: { n: 2 } });
    assert.ok(outcome.status === 'accepted' && outcome.version === 1);
    const events = await new EventStore(h.db.pool).readStream('counter-1');
    assert.deepEqual(events.map((e) => [e.eventType, parseData(e)]), [['Counted', { n: 2 }]]);
  });
});
