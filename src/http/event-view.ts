import type { RecordedEvent } from '../store/types.ts';

/** An event as the HTTP API shows it: JSON payloads decoded, anything else as base64. */
export interface EventView {
  eventId: string;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  version: number;
  globalPosition: number;
  transactionId: number;
  occurredAt: string;
  contentType: string;
  metadata: RecordedEvent['metadata'];
  data?: unknown;
  dataBase64?: string;
}

export function toEventView(event: RecordedEvent): EventView {
  return {
    eventId: event.eventId,
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    eventType: event.eventType,
    version: event.eventVersion,
    globalPosition: event.globalPosition,
    transactionId: event.transactionId,
    occurredAt: event.occurredAt.toISOString(),
    contentType: event.contentType,
    metadata: event.metadata,
    ...decodeData(event),
  };
}

function decodeData(event: RecordedEvent): Pick<EventView, 'data' | 'dataBase64'> {
  const bytes = Buffer.from(event.data);
  if (isJson(event.contentType)) {
    try {
      return { data: JSON.parse(bytes.toString('utf8')) };
    } catch {
      // Stored as JSON but not parseable: show the bytes rather than fail the whole read.
    }
  }
  return { dataBase64: bytes.toString('base64') };
}

function isJson(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/** JSON schema of EventView, for the OpenAPI document and response serialisation. */
export const eventViewSchema = {
  type: 'object',
  properties: {
    eventId: { type: 'string' },
    aggregateId: { type: 'string' },
    aggregateType: { type: 'string' },
    eventType: { type: 'string' },
    version: { type: 'integer' },
    globalPosition: { type: 'integer' },
    transactionId: { type: 'integer' },
    occurredAt: { type: 'string', format: 'date-time' },
    contentType: { type: 'string' },
    metadata: {
      type: 'object',
      properties: {
        correlationId: { type: 'string' },
        causationId: { type: 'string' },
        extra: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    data: {},
    dataBase64: { type: 'string' },
  },
} as const;
