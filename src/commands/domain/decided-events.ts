import type { AggregateDefinition, DomainEvent } from './aggregate.ts';
import { InvalidDecidedEventError } from './errors.ts';

/**
 * What `decide` returned, checked before it is appended: an array of events, and, when the
 * aggregate declares event schemas, each of a declared type with data its schema accepts. Returns
 * the events as they are to be stored (a new array; data as the schema outputs it).
 * @throws InvalidDecidedEventError
 */
export function checkDecidedEvents(definition: Pick<AggregateDefinition, 'type' | 'events'>, decided: unknown): DomainEvent[] {
  if (!Array.isArray(decided)) throw new InvalidDecidedEventError(definition.type, `${describe(decided)}, not an array of events`);
  return decided.map((event: unknown, index) => {
    if (typeof event !== 'object' || event === null || typeof (event as DomainEvent).type !== 'string') {
      throw new InvalidDecidedEventError(definition.type, `${describe(event)} at index ${index}, not an event ({ type: string, data })`);
    }
    return checkEvent(definition, event as DomainEvent);
  });
}

function checkEvent(definition: Pick<AggregateDefinition, 'type' | 'events'>, event: DomainEvent): DomainEvent {
  const schemas = definition.events;
  if (schemas === undefined) return event;
  // Own properties only: an event named after an Object.prototype member is not declared either.
  const schema = Object.hasOwn(schemas, event.type) ? schemas[event.type] : undefined;
  if (schema === undefined) {
    const declared = Object.keys(schemas).join(', ') || 'none';
    throw new InvalidDecidedEventError(definition.type, `event ${JSON.stringify(event.type)}, which it does not declare (declared: ${declared})`);
  }
  const result = schema.safeParse(event.data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(data)'}: ${i.message}`);
    throw new InvalidDecidedEventError(definition.type, `event ${event.type} with data that does not match its schema: ${issues.join('; ')}`, { cause: result.error });
  }
  return { type: event.type, data: result.data };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, 50)}`;
}
