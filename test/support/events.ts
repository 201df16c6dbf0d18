import type { NewEvent } from '../../src/store/types.ts';

/** A JSON event, the way the example domain writes them. */
export function jsonEvent(eventType: string, data: unknown, extra: Partial<NewEvent> = {}): NewEvent {
  return { eventType, data: Buffer.from(JSON.stringify(data)), contentType: 'application/json', ...extra };
}

export function parseData(event: { data: Uint8Array }): unknown {
  return JSON.parse(Buffer.from(event.data).toString('utf8'));
}
