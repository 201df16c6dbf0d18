import type pg from 'pg';
import { createEventBus } from '../bus/connect.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { loadConfig } from '../config/env.ts';
import type { Deployment } from '../config/user-config.ts';
import { createPool } from '../store/pool.ts';

/**
 * A CLI command's own connections to the deployment's database (as the application role) and,
 * when it needs one, its bus; both closed when `work` ends, however it ends.
 */
export async function withConnections<T>(
  deployment: Deployment,
  options: { name: string; bus: boolean },
  work: (pool: pg.Pool, bus: EventBus | undefined) => Promise<T>,
): Promise<T> {
  const config = loadConfig(deployment.env);
  const pool = createPool(config.databaseUrl, { max: 4, applicationName: `eventstore-${options.name}` });
  try {
    const bus = options.bus ? await createEventBus(config, { clientName: `${config.natsPrefix}-${options.name}` }) : undefined;
    try {
      return await work(pool, bus);
    } finally {
      await bus?.close();
    }
  } finally {
    await pool.end();
  }
}
