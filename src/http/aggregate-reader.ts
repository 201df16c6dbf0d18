import { loadAggregate } from '../commands/worker/aggregate-repository.ts';
import type { CommandRegistry } from '../commands/domain/registry.ts';
import type { EventStore } from '../store/event-store.ts';
import type { AggregatePort } from './ports.ts';

/**
 * Current state of any aggregate of the registry: its type comes from its first event, its state
 * from the snapshot and events (the same folding the workers use). An aggregate whose type is not
 * registered here reads as unknown.
 */
export function aggregateReader(store: EventStore, registry: CommandRegistry): AggregatePort {
  return {
    async load(aggregateId) {
      const [first] = await store.readStream(aggregateId, { limit: 1 });
      const definition = first && registry.aggregate(first.aggregateType);
      if (!definition) return undefined;
      return loadAggregate(store, definition, aggregateId);
    },
  };
}
