import pino from 'pino';

/**
 * JSON logs (pino). Anything that could hold a secret is redacted by path, so a logged config,
 * request or error never prints a token or a password.
 */
export type Logger = pino.Logger;

const REDACT = [
  'apiToken', '*.apiToken', 'password', '*.password', 'token', '*.token',
  'authorization', '*.authorization', 'req.headers.authorization', 'headers.authorization',
  'databaseUrl', '*.databaseUrl', 'migrationDatabaseUrl', '*.migrationDatabaseUrl',
];

export function createLogger(options: { name: string; level?: string }): Logger {
  return pino({
    name: options.name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError },
    base: { pid: process.pid },
  });
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
