import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createEventBus, stanClientId } from '../../src/bus/connect.ts';
import { runRoles } from '../../src/runtime/run-roles.ts';
import { startSystem, type TestSystem } from '../http/support.ts';
import { skipWithoutStan, stanConfig, stanUrl } from './stan-server.ts';

describe('STAN client ids', () => {
  test('STAN_CLIENT_ID is a prefix; connections without durables to resume get an id of their own', () => {
    // Only the ids are made here, no connection: any STAN_URL will do.
    const url = 'nats://127.0.0.1:4223';
    const config = stanConfig({ STAN_CLIENT_ID: 'shop', STAN_URL: url });
    assert.equal(stanClientId(config, 'orders-dispatcher', true), 'shop-orders-dispatcher');
    const a = stanClientId(config, 'orders-relay', false);
    const b = stanClientId(config, 'orders-relay', false);
    assert.match(a, /^shop-orders-relay-[A-Za-z0-9_-]+-\d+-[0-9a-f]{6}$/);
    assert.notEqual(a, b);
    assert.equal(stanClientId(stanConfig({ STAN_CLIENT_ID: '', STAN_URL: url }), 'orders-projector-x', true), 'orders-projector-x');
  });
});

if (!skipWithoutStan('STAN client ids on a real server')) {
  describe('STAN client ids on a real server', () => {
    let system: TestSystem | undefined;
    after(async () => {
      await system?.close();
    });

    test('every role of one process, a second relay and two CLI-style connections run side by side under one STAN_CLIENT_ID', async () => {
      system = await startSystem(['worker', 'relay', 'dispatcher', 'projector'], { EVENT_BUS: 'stan', STAN_URL: stanUrl!, STAN_CLIENT_ID: 'shared' });
      const secondRelay = await runRoles(['relay'], { env: system.env });
      const config = stanConfig(system.env);
      const cliRuns = await Promise.all([1, 2].map(() => createEventBus(config, { clientName: `${config.natsPrefix}-verify` })));
      try {
        const names = system.running.roles.map((role) => role.name);
        for (const name of ['worker', 'relay', 'dispatcher']) assert.ok(names.includes(name), `${name} runs: ${names.join(', ')}`);
        assert.ok(names.some((name) => name.startsWith('projector-')), `a projector runs: ${names.join(', ')}`);
        assert.equal(secondRelay.roles[0]?.name, 'relay');
      } finally {
        for (const bus of cliRuns) await bus.close();
        await secondRelay.stop();
      }
    });
  });
}
