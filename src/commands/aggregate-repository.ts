import { AggregateTypeMismatchError } from '../errors.ts';
import type { EventStore } from '../store/event-store.ts';
import type { EventMetadata, NewEvent, RecordedEvent } from '../store/types.ts';
import type { AggregateDefinition, DomainEvent } from './aggregate.ts';

/** An aggregate's current state, folded from its snapshot and events. */
export interface LoadedAggregate<State = unknown> {
  aggregateType: string;
  state: State;
  /** The version the state includes (0: no events yet). */
  version: number;
}

const JSON_TYPE = 'application/json';
const PAGE = 1000;

/**
 * Loads an aggregate: the latest snapshot (if any, and of this aggregate type) plus the events
 * after it, else the whole stream, folded with `evolve`. Given `from` (a state known to be of an
 * earlier version, e.g. a stale cache entry), only the events after it are read.
 * @throws AggregateTypeMismatchError when the stream belongs to another aggregate type
 */
export async function loadAggregate<State>(
  store: EventStore,
  definition: AggregateDefinition<State>,
  aggregateId: string,
  from?: LoadedAggregate<State>,
): Promise<LoadedAggregate<State>> {
  let state = from ? from.state : definition.initialState();
  let version = from ? from.version : 0;
  const snapshot = from ? undefined : await store.loadSnapshot(aggregateId);
  if (snapshot && snapshot.aggregateType === definition.type && snapshot.contentType === JSON_TYPE) {
    state = JSON.parse(Buffer.from(snapshot.state).toString('utf8')) as State;
    version = snapshot.version;
  }
  for (;;) {
    const events = await store.readStream(aggregateId, { fromVersion: version + 1, limit: PAGE });
    for (const event of events) {
      if (event.aggregateType !== definition.type) {
        throw new AggregateTypeMismatchError(aggregateId, definition.type, event.aggregateType);
      }
      state = definition.evolve(state, { type: event.eventType, data: decodeEventData(event) });
      version = event.eventVersion;
    }
    if (events.length < PAGE) break;
  }
  return { aggregateType: definition.type, state, version };
}

/** Folds newly decided events into a state, the way a reload would. */
export function evolveAll<State>(definition: AggregateDefinition<State>, state: State, events: DomainEvent[]): State {
  // Round-trip through JSON so the cached state is exactly what a reload from the store gives.
  return events.reduce((s, e) => definition.evolve(s, { type: e.type, data: JSON.parse(JSON.stringify(e.data) ?? 'null') }), state);
}

/** A decided event as the store takes it: JSON data, caused by the command. */
export function toNewEvent(event: DomainEvent, metadata: EventMetadata): NewEvent {
  return { eventType: event.type, data: Buffer.from(JSON.stringify(event.data) ?? 'null'), contentType: JSON_TYPE, metadata };
}

export function snapshotOf(aggregateId: string, loaded: LoadedAggregate) {
  return {
    aggregateId,
    aggregateType: loaded.aggregateType,
    version: loaded.version,
    state: Buffer.from(JSON.stringify(loaded.state)),
    contentType: JSON_TYPE,
  };
}

function decodeEventData(event: RecordedEvent): unknown {
  return event.contentType === JSON_TYPE ? JSON.parse(Buffer.from(event.data).toString('utf8')) : event.data;
}
