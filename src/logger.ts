import pino from 'pino';
import { ConfigError } from './errors.ts';
import { prettyDestination, type LineDestination } from './log-pretty.ts';

/**
 * JSON logs (pino), or readable lines when stdout is a terminal (LOG_FORMAT=auto, the default;
 * json or pretty force one). Anything that could hold a secret is redacted by path, so a logged config,
 * request or error never prints a token or a password.
 */
export type Logger = pino.Logger;

const REDACT = [
  'apiToken', '*.apiToken', 'password', '*.password', 'token', '*.token',
  'authorization', '*.authorization', 'req.headers.authorization', 'headers.authorization',
  'databaseUrl', '*.databaseUrl', 'migrationDatabaseUrl', '*.migrationDatabaseUrl',
];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Default: LOG_FORMAT, else auto (pretty on a terminal, JSON otherwise). */
  format?: string;
  /** Where lines go (default stdout); `isTTY` decides the auto format. */
  destination?: LineDestination & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const format = logFormat(options.format ?? process.env.LOG_FORMAT);
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  const settings = {
    name: options.name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError },
    base: { pid: process.pid },
  };
  if (pretty) return pino(settings, prettyDestination(out, { colors: out.isTTY === true }));
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

function logFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === '') return 'auto';
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new ConfigError([`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${value}"`]);
}

/** `scheme://user:password@` in any text: the password part. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi;

/**
 * Errors as pino shows them, minus what can hold a secret. ioredis attaches the failed command to
 * its errors (`command: { name, args }`), and when Redis refuses a password the command is AUTH
 * and its args are the password; other commands' args are job data, so every command's args go.
 * Credentials inside URLs in messages and stacks are masked too.
 */
export function serializeError(error: unknown): unknown {
  return scrub(pino.stdSerializers.err(error as Error), 0);
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1:[redacted]@');
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = key === 'command' && item && typeof item === 'object'
      ? { name: (item as { name?: unknown }).name, args: '[redacted]' }
      : scrub(item, depth + 1);
  }
  return copy;
}

const REPEAT_WINDOW_MS = 30_000;

/**
 * An 'error' listener for a client connection (Redis, BullMQ, NATS) that logs through the logger
 * (a BullMQ object without one falls back to console.error, unredacted). A client reconnecting
 * to a server that refuses it fails every second or so: the first error is logged, the same
 * message again at most every 30 s with how often it came in between.
 */
export function logConnectionErrors(logger: Logger, connection: string): (error: unknown) => void {
  const seen = new Map<string, { at: number; repeated: number }>();
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    const last = seen.get(message);
    if (last && now - last.at < REPEAT_WINDOW_MS) {
      last.repeated++;
      return;
    }
    seen.set(message, { at: now, repeated: 0 });
    if (seen.size > 100) seen.delete(seen.keys().next().value!);
    logger.warn({ err: error, connection, ...(last?.repeated ? { repeatedSinceLastLog: last.repeated } : {}) }, `${connection} connection error`);
  };
}
