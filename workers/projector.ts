/**
 * A projector process: `tsx workers/projector.ts <projection>` (default: orders).
 * PROJECTOR_SOURCE=dispatcher reads the dispatcher's channel for the projection (only its event
 * types); the default reads the event log and skips other types itself.
 */
import { createEventBus } from '../src/bus/connect.ts';
import { loadConfig } from '../src/config/env.ts';
import { InvalidInputError } from '../src/errors.ts';
import { Projector } from '../src/projections/projector.ts';
import { projections } from '../src/projections/registry.ts';
import { createPool } from '../src/store/pool.ts';
import { createLogger } from '../src/logger.ts';
import { runUntilSignal } from '../src/run-until-signal.ts';

const logger = createLogger({ name: 'projector' });
await runUntilSignal(logger, async () => {
  const config = loadConfig();
  const name = process.argv[2] ?? 'orders';
  const projection = projections.get(name);
  if (!projection) throw new InvalidInputError(`unknown projection "${name}"; known: ${[...projections.keys()].join(', ')}`);
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: `eventstore-projector-${name}` });
  const bus = await createEventBus(config, { clientName: `${config.natsPrefix}-projector-${name}` });
  const viaDispatcher = process.env.PROJECTOR_SOURCE === 'dispatcher';
  const projector = new Projector({ projection, bus, pool, ...(viaDispatcher ? { subject: bus.subjects.dispatch(name) } : {}) });
  await projector.start();
  logger.info({ projection: name, source: viaDispatcher ? 'dispatcher' : 'event log' }, 'started');
  return {
    async stop() {
      await projector.stop();
      await bus.close();
      await pool.end();
    },
  };
});
