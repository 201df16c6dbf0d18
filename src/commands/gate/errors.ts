import { EventStoreError, InvalidInputError } from '../../errors.ts';
/** A command id that cannot be a queue job id (and idempotency key). */
export class InvalidCommandIdError extends InvalidInputError {
  override readonly code = 'invalid_command_id';
}

/** Anything else wrong with a command as a whole (its shape, metadata, expected version). */
export class InvalidCommandError extends InvalidInputError {
  override readonly code = 'invalid_command';
}

/** The command failed for good (not a domain rejection): retries exhausted, or a malformed job. */
export class CommandFailedError extends EventStoreError {
  override readonly code = 'command_failed';
  constructor(readonly commandId: string, readonly failedReason: string) {
    super(`command "${commandId}" failed: ${failedReason}`);
  }
}

/** sendAndWait gave up waiting; the command may still run later. */
export class CommandTimeoutError extends EventStoreError {
  override readonly code = 'command_timeout';
  constructor(readonly commandId: string, readonly timeoutMs: number) {
    super(`no outcome for command "${commandId}" within ${timeoutMs} ms (it stays queued and may still run)`);
  }
}

/** The client was closed while sendAndWait was waiting; the command stays queued and may still run. */
export class CommandClientClosedError extends EventStoreError {
  override readonly code = 'client_closed';
  constructor(readonly commandId: string) {
    super(`the command client was closed while waiting for command "${commandId}" (it stays queued and may still run)`);
  }
}

/**
 * A command id already names another command (another type, aggregate, payload or expected
 * version): the new command was not queued, and nothing of its call was written. An identical
 * resend is not an error: it gets the first outcome. `differs` names the parts that differ, when
 * known (after Redis forgot the first command only its type and aggregate can be compared).
 */
export class CommandIdReusedError extends InvalidInputError {
  override readonly code = 'command_id_reused';
  constructor(readonly commandId: string, readonly differs: readonly string[]) {
    super(
      `command id "${commandId}" was already used for another command${differs.length > 0 ? ` (different ${differs.join(', ')})` : ''}; ` +
        'the command was not queued: send it under a new id',
    );
  }
}
