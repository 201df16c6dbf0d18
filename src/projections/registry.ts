import { ordersProjection } from '../../examples/orders/orders-projection.ts';
import type { Projection } from './projection.ts';

/** The projections this deployment runs, by name (workers/projector.ts, workers/dispatcher.ts). */
export const projections: ReadonlyMap<string, Projection> = new Map([[ordersProjection.name, ordersProjection]]);
