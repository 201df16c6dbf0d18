import { InvalidInputError } from '../errors.ts';

/**
 * Where a NEW subscription starts reading its channel. A durable that already exists resumes where
 * it stopped and ignores this (both transports behave so): replay under a new durable name.
 *
 * - all: every message the channel holds
 * - sequence: from the message with this channel sequence (1-based) on
 * - time: from the first message stored at or after this time
 * - delta: from the first message stored at most `ms` milliseconds ago
 * - last_received: the last message stored, then everything new
 */
export type StartPosition =
  | { from: 'all' }
  | { from: 'sequence'; sequence: number }
  | { from: 'time'; time: Date }
  | { from: 'delta'; ms: number }
  | { from: 'last_received' };

export class InvalidStartPositionError extends InvalidInputError {
  override readonly code = 'invalid_start_position';
}

/** Throws InvalidStartPositionError naming what is wrong; returns the position unchanged. */
export function validateStartPosition(position: StartPosition): StartPosition {
  switch (position?.from) {
    case 'all':
    case 'last_received':
      return position;
    case 'sequence':
      if (!Number.isSafeInteger(position.sequence) || position.sequence < 1) {
        throw new InvalidStartPositionError(`start sequence must be a whole number >= 1, got ${position.sequence}`);
      }
      return position;
    case 'time':
      if (!(position.time instanceof Date) || Number.isNaN(position.time.getTime())) {
        throw new InvalidStartPositionError('start time must be a valid Date');
      }
      return position;
    case 'delta':
      if (!Number.isFinite(position.ms) || position.ms < 0) {
        throw new InvalidStartPositionError(`start delta must be a number of milliseconds >= 0, got ${position.ms}`);
      }
      return position;
    default:
      throw new InvalidStartPositionError(
        `start position must be one of all, sequence, time, delta, last_received, got ${JSON.stringify(position)}`,
      );
  }
}

/** The time a time or delta position stands for, evaluated now. */
export function startTime(position: { from: 'time'; time: Date } | { from: 'delta'; ms: number }): Date {
  return position.from === 'time' ? position.time : new Date(Date.now() - position.ms);
}
