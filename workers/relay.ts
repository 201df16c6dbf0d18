/**
 * The outbox relay process: publishes committed events to `${NATS_PREFIX}.events` in commit order.
 * Run several: one is active, the others stand by and take over (see src/bus/relay.ts).
 */
import { createEventBus } from '../src/bus/event-bus.ts';
import { Relay } from '../src/bus/relay.ts';
import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/store/pool.ts';
import { runUntilSignal } from './run-until-signal.ts';

await runUntilSignal('relay', async () => {
  const config = loadConfig();
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: 'eventstore-relay' });
  const bus = await createEventBus(config, { clientName: `${config.natsPrefix}-relay` });
  const relay = new Relay({ pool, bus });
  await relay.start();
  return {
    async stop() {
      await relay.stop();
      await bus.close();
      await pool.end();
    },
  };
});
