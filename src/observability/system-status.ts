import type { Queue } from 'bullmq';

/**
 * The state of the whole system, read from Redis and PostgreSQL when asked (a scrape, `GET
 * /status`, `eventstore status`), so the process that reports it needs no link to the workers,
 * the relay or the projectors: any replica of any role answers the same.
 */
export interface SystemStatus {
  /** BullMQ job counts by state. Commands parked behind their aggregate's head count as delayed. */
  queue: Record<string, number>;
  gate?: {
    parkedCommands: number;
    aggregatesWithBacklog: number;
    haltedAggregates: number;
    /** Age of the oldest queued command (the oldest gate head), 0 when none is queued. */
    oldestQueuedCommandAgeSeconds?: number;
  };
  /** The command queue's name. */
  queueName?: string;
  /** Workers connected to the command queue (BullMQ's client list); 0: nothing runs commands. */
  workers?: number;
  relay?: { position: unknown; lagEvents: number; lagSeconds: number };
  subscriptions?: Array<{ subscription: string; lagEvents: number; lagSeconds?: number }>;
}

export type StatusPart<K extends keyof SystemStatus> = () => Promise<SystemStatus[K]>;

export interface StatusSources {
  queue: Queue;
  gate?: StatusPart<'gate'>;
  relay?: StatusPart<'relay'>;
  subscriptions?: StatusPart<'subscriptions'>;
  workers?: StatusPart<'workers'>;
}

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

export function systemStatus(sources: StatusSources): () => Promise<SystemStatus> {
  return async () => {
    const [queue, gate, relay, subscriptions, workers] = await Promise.all([
      sources.queue.getJobCounts(...QUEUE_STATES),
      sources.gate?.(),
      sources.relay?.(),
      sources.subscriptions?.(),
      sources.workers?.(),
    ]);
    return {
      queue,
      queueName: sources.queue.name,
      ...(workers === undefined ? {} : { workers }),
      ...(gate ? { gate } : {}),
      ...(relay ? { relay } : {}),
      ...(subscriptions ? { subscriptions } : {}),
    };
  };
}
