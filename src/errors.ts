/**
 * Every error this package throws on purpose is an EventStoreError: one subclass per condition,
 * with `name` set to the class name and the underlying error, if any, passed on as `cause`.
 * Callers branch with `instanceof`, or with `code` when the error crossed a process boundary.
 */
export class EventStoreError extends Error {
  /** Stable, machine-readable identifier of the condition (also used in HTTP and command outcomes). */
  readonly code: string = 'internal';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The configuration taken from the environment is not usable; `problems` lists each one. */
export class ConfigError extends EventStoreError {
  override readonly code = 'config';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Base of the errors that mean "the caller sent something wrong"; nothing was written. */
export class InvalidInputError extends EventStoreError {
  override readonly code: string = 'invalid';
}

export class InvalidAggregateIdError extends InvalidInputError {
  override readonly code = 'invalid_aggregate_id';
}

export class InvalidExpectedVersionError extends InvalidInputError {
  override readonly code = 'invalid_expected_version';
}

export class EmptyEventListError extends InvalidInputError {
  override readonly code = 'empty_event_list';
}

export class InvalidEventError extends InvalidInputError {
  override readonly code = 'invalid_event';
}

export class PayloadTooLargeError extends InvalidInputError {
  override readonly code = 'payload_too_large';
  constructor(readonly what: string, readonly size: number, readonly limit: number) {
    super(`${what} is ${size} bytes, over the limit of ${limit} bytes`);
  }
}

/** Bytes that do not decode as the expected protobuf message. */
export class InvalidEnvelopeError extends InvalidInputError {
  override readonly code = 'invalid_envelope';
}

/** The aggregate was not at the version the caller expected. */
export class ConcurrencyError extends EventStoreError {
  override readonly code = 'concurrency';
  constructor(
    readonly aggregateId: string,
    readonly expectedVersion: number | 'any' | 'no_stream',
    readonly actualVersion: number,
    options?: { cause?: unknown },
  ) {
    super(
      `aggregate "${aggregateId}" is at version ${actualVersion}, expected ${
        expectedVersion === 'no_stream' ? 'no stream' : expectedVersion
      }`,
      options,
    );
  }
}

/** The aggregate exists with another type than the one the caller appends as. */
export class AggregateTypeMismatchError extends EventStoreError {
  override readonly code = 'aggregate_type_mismatch';
  constructor(readonly aggregateId: string, readonly expectedType: string, readonly actualType: string) {
    super(`aggregate "${aggregateId}" is a ${actualType}, not a ${expectedType}`);
  }
}

/** The command id was already processed: the earlier outcome stands. */
export class DuplicateCommandError extends EventStoreError {
  override readonly code = 'duplicate_command';
  constructor(readonly commandId: string) {
    super(`command "${commandId}" was already processed`);
  }
}

/** A migration could not be applied, or an applied one was changed afterwards. */
export class MigrationError extends EventStoreError {
  override readonly code = 'migration';
}

/** A batch append names the same aggregate twice, or is empty. */
export class InvalidBatchError extends InvalidInputError {
  override readonly code = 'invalid_batch';
}
