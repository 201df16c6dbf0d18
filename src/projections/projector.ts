import type pg from 'pg';
import { checkpointLag, type Lag } from '../subscriptions/checkpoint.ts';
import type { BusSubscription, EventBus } from '../bus/event-bus.ts';
import { subscribeToEvents } from '../subscriptions/event-subscription.ts';
import type { StartPosition } from '../bus/start-position.ts';
import { validateBusName } from '../bus/errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import type { Queryable } from '../store/event-store.ts';
import type { RecordedEvent } from '../store/types.ts';
import { applyEvents } from './apply.ts';
import { ProjectionLock } from './projection-lock.ts';
import type { Projection } from './projection.ts';

export interface ProjectorOptions {
  projection: Projection;
  bus: EventBus;
  pool: pg.Pool;
  /** Where a NEW durable starts (default all). An existing durable resumes where it was. */
  startAt?: StartPosition;
  /**
   * The channel to read: the event log (default) or the dispatcher's channel for this projection,
   * `bus.subjects.dispatch(projection.name)`, which carries only its event types.
   */
  subject?: string;
  /** Default `projection-<name>`: a new name replays under its own position. */
  durable?: string;
  ackWaitMs?: number;
  /** Called after an event's transaction committed and before its ack (metrics, tests). */
  afterCommit?: (event: RecordedEvent) => void | Promise<void>;
  logger?: Logger;
}

/**
 * Keeps a projection up to date from a strict-order durable subscription. Each event is applied
 * with the checkpoint in one transaction (see applyEvents) and acked after the commit, so a crash
 * anywhere redelivers at most what was already applied, and that is skipped: exactly-once effect.
 */
export class Projector {
  private subscription: BusSubscription | undefined;
  private lock: ProjectionLock | undefined;
  private readonly log: Logger;

  constructor(private readonly options: ProjectorOptions) {
    validateBusName('projection name', options.projection.name);
    this.log = options.logger ?? createLogger({ name: `projector:${options.projection.name}` });
  }

  get durable(): string {
    return this.options.durable ?? `projection-${this.options.projection.name}`;
  }

  /** Subscribes. Waits while a rebuild of the projection runs (see ProjectionLock). */
  async start(): Promise<void> {
    if (this.subscription) return;
    const { bus, projection, pool } = this.options;
    const types = new Set(projection.eventTypes);
    this.lock = await ProjectionLock.shared(pool, projection.name);
    this.subscription = await subscribeToEvents(
      bus,
      this.options.subject ?? bus.subjects.events,
      {
        durable: this.durable,
        startAt: this.options.startAt ?? { from: 'all' },
        ...(this.options.ackWaitMs === undefined ? {} : { ackWaitMs: this.options.ackWaitMs }),
        logger: this.log,
      },
      async (event) => {
        if (!types.has(event.eventType)) return;
        const applied = await applyEvents(pool, projection, [event]);
        if (applied.length > 0) await this.options.afterCommit?.(event);
      },
    ).catch((error) => {
      this.releaseLock();
      throw error;
    });
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /** How far this projection is behind the store, counting only its own event types. */
  lag(): Promise<Lag> {
    return subscriptionLag(this.options.pool, this.options.projection.name, this.options.projection.eventTypes);
  }

  /** Stops reading; the durable keeps its position on the server. */
  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    this.releaseLock();
  }
}

/**
 * How far a projection's checkpoint is behind the store (events and seconds). Pass the
 * projection's event types to count only those: its checkpoint does not move for other types.
 */
export function subscriptionLag(db: Queryable, name: string, eventTypes?: string[]): Promise<Lag> {
  return checkpointLag(db, name, eventTypes);
}
