import { test } from 'node:test';
import { loadConfig } from '../../src/config/env.ts';
import { createEventBus } from '../../src/bus/connect.ts';
import { uniqueName } from '../support/database.ts';
import { busContract } from './contract.ts';

if (!process.env.STAN_URL) {
  const reason =
    'STAN_URL is unset: no NATS Streaming server here (end of life, no package ships it). ' +
    'Run `docker compose --profile stan up -d` and STAN_URL=nats://127.0.0.1:4223 to run this suite.';
  console.log(`# skipping the NATS Streaming contract suite: ${reason}`);
  test('EventBus contract: NATS Streaming', { skip: reason }, () => {});
} else {
  busContract('NATS Streaming', async () => {
    const prefix = uniqueName('test').replace('_', '-');
    const config = loadConfig({ ...process.env, EVENT_BUS: 'stan' });
    const bus = await createEventBus(config, { prefix, clientName: `${prefix}-contract` });
    // A client cannot delete STAN channels: the server drops them after max_inactivity.
    return Object.assign(bus, { destroy: () => bus.close() });
  });
}
