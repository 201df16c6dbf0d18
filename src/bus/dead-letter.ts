import type { BusMessage, EventBus } from './event-bus.ts';

/**
 * A message a consumer could not use, kept with the reason on `${prefix}.deadletter` (JSON, the
 * original bytes in base64), so the subscription goes on and nothing is silently dropped.
 */
export interface DeadLetter {
  consumer: string;
  subject: string;
  sequence: number;
  reason: string;
  deadAt: string;
  /** The original message bytes, base64. */
  data: string;
}

export async function publishDeadLetter(bus: EventBus, consumer: string, message: BusMessage, reason: string): Promise<void> {
  const letter: DeadLetter = {
    consumer,
    subject: message.subject,
    sequence: message.sequence,
    reason,
    deadAt: new Date().toISOString(),
    data: Buffer.from(message.data).toString('base64'),
  };
  await bus.publishBatch(bus.subjects.deadLetter, [
    { data: Buffer.from(JSON.stringify(letter)), msgId: `${consumer}.${message.subject}.${message.sequence}` },
  ]);
}

export function decodeDeadLetter(message: BusMessage): DeadLetter {
  return JSON.parse(Buffer.from(message.data).toString('utf8')) as DeadLetter;
}
