import { EventStoreError, InvalidInputError } from '../errors.ts';

/** A stream, subject, durable, queue or client name that the transports would refuse or mangle. */
export class InvalidBusNameError extends InvalidInputError {
  override readonly code = 'invalid_bus_name';
}

/** A subject outside this deployment's channels (see busSubjects). */
export class UnknownChannelError extends InvalidInputError {
  override readonly code = 'unknown_channel';
}

/** A durable name already in use on another channel: durable names are per consumer. */
export class DurableConflictError extends EventStoreError {
  override readonly code = 'durable_conflict';
}

/** Reading a channel's history could not reach its end (the server stopped delivering). */
export class HistoryReadError extends EventStoreError {
  override readonly code = 'history_read_failed';
}

/**
 * A strict-order subscription's next message is no longer in its channel: the server skipped
 * from `after` to `next`, the messages between were removed by channel limits before they were
 * read. Their events never reach the subscriber: the projection misses them until a rebuild.
 */
export class ChannelGapError extends EventStoreError {
  override readonly code = 'channel_gap';
  constructor(
    readonly subject: string,
    readonly durable: string,
    readonly after: number,
    readonly next: number,
  ) {
    super(`${subject} (durable ${durable}): messages ${after + 1} to ${next - 1} are no longer in the channel (channel limits?); their events were never delivered`);
  }
}

/** The server did not store a published message (refused, timed out, connection gone). */
export class PublishError extends EventStoreError {
  override readonly code: string = 'publish_failed';
}

/**
 * The channel's last sequence was not the one the publisher expected: another publisher wrote in
 * between (a stale relay fenced off) or an earlier publish of the same window failed.
 */
export class WrongLastSequenceError extends PublishError {
  override readonly code = 'wrong_last_sequence';
}

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Names used for durables, queues, client ids and stream names: letters, digits, '-', '_'. */
export function validateBusName(kind: string, value: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new InvalidBusNameError(`${kind} may hold only letters, digits, '-' and '_' (1 to 128), got ${JSON.stringify(value)}`);
  }
  return value;
}
