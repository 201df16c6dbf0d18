import { AggregateTypeMismatchError } from '../../errors.ts';
import type { EventStore } from '../../store/event-store.ts';
import type { EventMetadata, NewEvent, RecordedEvent, Snapshot } from '../../store/types.ts';
import type { AggregateDefinition, DomainEvent } from '../domain/aggregate.ts';

/** An aggregate's current state, folded from its snapshot and events. */
export interface LoadedAggregate<State = unknown> {
  aggregateType: string;
  state: State;
  /** The version the state includes (0: no events yet). */
  version: number;
}

const JSON_TYPE = 'application/json';
/** Events read per round trip when folding a stream. */
export const PAGE = 1000;

/** The parts of a stored event that folding needs. */
export type FoldableEvent = Pick<RecordedEvent, 'aggregateType' | 'eventType' | 'eventVersion' | 'data' | 'contentType'>;

/**
 * Loads an aggregate: the latest snapshot (if any, and of this aggregate type) plus the events
 * after it, else the whole stream, folded with `evolve`.
 * @throws AggregateTypeMismatchError when the stream belongs to another aggregate type
 */
export async function loadAggregate<State>(
  store: EventStore,
  definition: AggregateDefinition<State>,
  aggregateId: string,
): Promise<LoadedAggregate<State>> {
  return foldStream(store, definition, aggregateId, startingPoint(definition, await store.loadSnapshot(aggregateId)));
}

/** Where folding starts: the snapshot, when it is a JSON snapshot of this aggregate type, else the initial state. */
export function startingPoint<State>(definition: AggregateDefinition<State>, snapshot: Snapshot | undefined): LoadedAggregate<State> {
  if (snapshot && snapshot.aggregateType === definition.type && snapshot.contentType === JSON_TYPE) {
    return { aggregateType: definition.type, state: JSON.parse(Buffer.from(snapshot.state).toString('utf8')) as State, version: snapshot.version };
  }
  return { aggregateType: definition.type, state: definition.initialState(), version: 0 };
}

/**
 * Folds the events after `from` into it: `firstPage` when the caller already read them (at most
 * PAGE), then page by page from the store until a page comes back short.
 */
export async function foldStream<State>(
  store: EventStore,
  definition: AggregateDefinition<State>,
  aggregateId: string,
  from: LoadedAggregate<State>,
  firstPage?: FoldableEvent[],
): Promise<LoadedAggregate<State>> {
  let { state, version } = from;
  let page = firstPage ?? (await store.readStream(aggregateId, { fromVersion: version + 1, limit: PAGE }));
  for (;;) {
    for (const event of page) {
      if (event.aggregateType !== definition.type) {
        throw new AggregateTypeMismatchError(aggregateId, definition.type, event.aggregateType);
      }
      state = definition.evolve(state, { type: event.eventType, data: decodeEventData(event) });
      version = event.eventVersion;
    }
    if (page.length < PAGE) return { aggregateType: definition.type, state, version };
    page = await store.readStream(aggregateId, { fromVersion: version + 1, limit: PAGE });
  }
}

/** Folds newly decided events into a state, the way a reload would. */
export function evolveAll<State>(definition: AggregateDefinition<State>, state: State, events: readonly DomainEvent[]): State {
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

function decodeEventData(event: FoldableEvent): unknown {
  return event.contentType === JSON_TYPE ? JSON.parse(Buffer.from(event.data).toString('utf8')) : event.data;
}
