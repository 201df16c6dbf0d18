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
    base: { pid: process.pid },
  });
}
