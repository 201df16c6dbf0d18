import { EventStoreError, InvalidInputError } from '../../errors.ts';

/** No registered aggregate handles this command type. */
export class UnknownCommandTypeError extends InvalidInputError {
  override readonly code = 'unknown_command_type';
  constructor(readonly commandType: unknown, known: string[]) {
    super(`unknown command type ${JSON.stringify(commandType)}; known types: ${known.join(', ')}`);
  }
}

/** The payload does not match the command type's schema; `issues` names each problem. */
export class InvalidCommandPayloadError extends InvalidInputError {
  override readonly code = 'invalid_command_payload';
  constructor(readonly commandType: string, readonly issues: string[], options?: { cause?: unknown }) {
    super(`payload of ${commandType} is invalid: ${issues.join('; ')}`, options);
  }
}

/**
 * Thrown by an aggregate's `decide` to refuse a command for a business reason ("a cancelled order
 * cannot change status"). The command fails at once, without retries, and the reason is recorded
 * as its outcome.
 */
export class DomainRejectionError extends EventStoreError {
  override readonly code: string = 'domain';
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/**
 * An aggregate's `decide` returned something the worker cannot append: not an array of events, an
 * event type its `events` schemas do not declare, or data that does not match the type's schema.
 * A bug in `decide`, not a rejection: the command fails for good, like when `decide` throws.
 */
export class InvalidDecidedEventError extends EventStoreError {
  override readonly code = 'invalid_decided_event';
  constructor(readonly aggregateType: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`${aggregateType}.decide returned ${problem}`, options);
  }
}
