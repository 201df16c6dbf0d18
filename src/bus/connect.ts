import type { Config } from '../config/env.ts';
import type { EventBus } from './event-bus.ts';

export interface EventBusOptions {
  /** Client name on the server (STAN client id base); default the process name. */
  clientName?: string;
  /** Overrides config.natsPrefix (tests use random prefixes). */
  prefix?: string;
}

/** Connects the transport named by config.eventBus (EVENT_BUS) and makes sure its channels exist. */
export async function createEventBus(config: Config, options: EventBusOptions = {}): Promise<EventBus> {
  const prefix = options.prefix ?? config.natsPrefix;
  const clientName = options.clientName ?? 'eventstore';
  const bus =
    config.eventBus === 'stan'
      ? await (await import('./stan-bus.ts')).StanBus.connect({ url: config.stan.url!, clusterId: config.stan.clusterId, clientId: config.stan.clientId ?? clientName, prefix })
      : await (await import('./jetstream-bus.ts')).JetStreamBus.connect({ url: config.natsUrl, name: clientName, prefix });
  await bus.ensureChannels();
  return bus;
}
