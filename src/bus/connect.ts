import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/env.ts';
import type { EventBus } from './event-bus.ts';

export interface EventBusOptions {
  /** Client name on the server (base of the STAN client id); default "eventstore". */
  clientName?: string;
  /**
   * NATS Streaming keys a plain durable by (client id, durable name): a connection whose durables
   * must resume after a restart (the dispatcher, a projector) needs the same id every time, and so
   * only one such connection per name can be up at once. Every other connection (relays, CLI runs,
   * tests) gets an id of its own, so any number of them run side by side.
   */
  stableClientId?: boolean;
  /** Overrides config.natsPrefix (tests use random prefixes). */
  prefix?: string;
}

/** Connects the transport named by config.eventBus (EVENT_BUS) and makes sure its channels exist. */
export async function createEventBus(config: Config, options: EventBusOptions = {}): Promise<EventBus> {
  const prefix = options.prefix ?? config.natsPrefix;
  const clientName = options.clientName ?? 'eventstore';
  const bus =
    config.eventBus === 'stan'
      ? await (await import('./stan-bus.ts')).StanBus.connect({ url: config.stan.url!, clusterId: config.stan.clusterId, clientId: stanClientId(config, clientName, options.stableClientId ?? false), prefix })
      : await (await import('./jetstream-bus.ts')).JetStreamBus.connect({ url: config.natsUrl, name: clientName, prefix });
  await bus.ensureChannels();
  return bus;
}

/**
 * `[STAN_CLIENT_ID-]<client name>`, and for a connection without durables to resume also
 * `-<host>-<pid>-<random>`. STAN_CLIENT_ID is a prefix: one setting serves every role of a process.
 */
export function stanClientId(config: Pick<Config, 'stan'>, clientName: string, stable: boolean): string {
  const base = config.stan.clientId ? `${config.stan.clientId}-${clientName}` : clientName;
  if (stable) return base;
  return `${base}-${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
