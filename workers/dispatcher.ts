/**
 * The fan-out dispatcher process: one subscription on the event log, republishing each event to
 * `${NATS_PREFIX}.dispatch.<projection>` for every registered projection that handles its type.
 */
import { createEventBus } from '../src/bus/event-bus.ts';
import { Dispatcher } from '../src/bus/dispatcher.ts';
import { loadConfig } from '../src/config.ts';
import { projections } from '../src/projections/registry.ts';
import { runUntilSignal } from './run-until-signal.ts';

await runUntilSignal('dispatcher', async () => {
  const config = loadConfig();
  const bus = await createEventBus(config, { clientName: `${config.natsPrefix}-dispatcher` });
  const routes = [...projections.values()].map(({ name, eventTypes }) => ({ name, eventTypes }));
  const dispatcher = new Dispatcher({ bus, routes });
  await dispatcher.start();
  return {
    async stop() {
      await dispatcher.stop();
      await bus.close();
    },
  };
});
