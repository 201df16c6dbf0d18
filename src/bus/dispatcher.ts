import { createLogger, type Logger } from '../logger.ts';
import { validateBusName } from './errors.ts';
import type { BusSubscription, EventBus } from './event-bus.ts';
import { subscribeToEvents } from '../subscriptions/event-subscription.ts';
import type { StartPosition } from './start-position.ts';

/** A subscriber of the dispatcher: it receives, on `${prefix}.dispatch.<name>`, only these event types. */
export interface DispatchRoute {
  name: string;
  eventTypes: string[];
}

export interface DispatcherOptions {
  bus: EventBus;
  routes: DispatchRoute[];
  /** Durable name of the dispatcher's one subscription on the event log (default "dispatcher"). */
  durable?: string;
  startAt?: StartPosition;
  ackWaitMs?: number;
  logger?: Logger;
}

/**
 * Fan-out by event type: ONE strict-order durable subscription on the event log republishes each
 * event (the same envelope bytes) to every route that declared its type, then acks. Each route
 * therefore gets its types in log order. A crash between republish and ack republishes the same
 * message with the same msg id (`<route>.<eventId>`): JetStream drops it within its duplicate
 * window; past the window (or on NATS Streaming) the subscriber's position check drops it.
 */
export class Dispatcher {
  private subscription: BusSubscription | undefined;
  private readonly byType = new Map<string, string[]>();
  private readonly log: Logger;

  constructor(private readonly options: DispatcherOptions) {
    for (const route of options.routes) {
      validateBusName('dispatch route name', route.name);
      for (const type of route.eventTypes) {
        const names = this.byType.get(type) ?? [];
        this.byType.set(type, [...names, route.name]);
      }
    }
    this.log = options.logger ?? createLogger({ name: 'dispatcher' });
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    this.subscription ??= await subscribeToEvents(
      bus,
      bus.subjects.events,
      {
        durable: this.options.durable ?? 'dispatcher',
        startAt: this.options.startAt ?? { from: 'all' },
        ...(this.options.ackWaitMs === undefined ? {} : { ackWaitMs: this.options.ackWaitMs }),
        logger: this.log,
      },
      async (event, message) => {
        const routes = this.byType.get(event.eventType) ?? [];
        await Promise.all(
          routes.map((name) => bus.publishBatch(bus.subjects.dispatch(name), [{ data: message.data, msgId: `${name}.${event.eventId}` }])),
        );
      },
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }
}
