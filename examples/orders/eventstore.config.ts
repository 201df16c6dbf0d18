/**
 * The example deployment: what `npm start` runs. A team's own config has the same shape and imports
 * from the package instead (`import { defineConfig } from 'nats-eventstore'`); see
 * docs/your-own-domain.md.
 */
import { defineConfig } from '../../src/config/user-config.ts';
import { Order, UserAccount } from './domain/index.ts';
import { ordersProjection } from './orders-projection.ts';

export default defineConfig({
  aggregates: [Order, UserAccount],
  projections: [ordersProjection],
});
