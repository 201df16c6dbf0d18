/**
 * A command worker process for the example domain (`node --import tsx workers/worker.ts`).
 * Configuration: the variables of src/config.ts plus WORKER_CONCURRENCY, COMMAND_LOCK_MS,
 * COMMAND_STALLED_INTERVAL_MS, RECONCILE_INTERVAL_MS, RECONCILE_AFTER_MS, SNAPSHOT_EVERY and
 * AGGREGATE_CACHE_SIZE (see README, "Commands"). SIGTERM: graceful stop, exit 0.
 */
import { runWorkerProcess } from '../src/commands/worker/worker-settings.ts';
import { exampleDomain } from '../examples/orders/domain/index.ts';

await runWorkerProcess({ registry: exampleDomain });
