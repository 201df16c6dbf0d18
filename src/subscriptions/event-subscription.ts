import { decodeEvent } from '../envelope/codec.ts';
import { InvalidEnvelopeError, InvalidInputError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RecordedEvent } from '../store/types.ts';
import { publishDeadLetter } from '../bus/dead-letter.ts';
import type { BusMessage, BusSubscription, EventBus, SubscribeOptions } from '../bus/event-bus.ts';

export type EventHandler = (event: RecordedEvent, message: BusMessage) => Promise<void>;

/**
 * A subscription to a channel of event envelopes. A message that is not a valid envelope, or
 * that the handler refuses as bad input (an InvalidInputError), goes to the dead-letter channel
 * with the reason and is acked: it never blocks the subscription. Any other handler error is
 * retried (same message, in order) until it succeeds.
 */
export function subscribeToEvents(
  bus: EventBus,
  subject: string,
  options: SubscribeOptions & { logger?: Logger },
  handler: EventHandler,
): Promise<BusSubscription> {
  return bus.subscribe(
    subject,
    async (message) => {
      let event: RecordedEvent;
      try {
        event = decodeEvent(message.data);
      } catch (error) {
        if (!(error instanceof InvalidEnvelopeError)) throw error;
        options.logger?.warn({ subject, sequence: message.sequence, reason: error.message }, 'not an event envelope: dead-lettered');
        await publishDeadLetter(bus, options.durable, message, error.message);
        return;
      }
      try {
        await handler(event, message);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        options.logger?.warn({ subject, sequence: message.sequence, eventId: event.eventId, reason: error.message }, 'event refused: dead-lettered');
        await publishDeadLetter(bus, options.durable, message, `${error.name}: ${error.message}`);
      }
    },
    options,
  );
}
