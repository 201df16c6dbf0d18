import { DEFAULT_JOB_RETENTION as KEEP, type CommandJobOptions } from '../commands/gate/job-options.ts';
import { ConfigError } from '../errors.ts';

/**
 * Everything a process needs to know, read once from the environment at start and validated as a
 * whole: a bad value stops the process with a message naming every problem, not the first one.
 */
export interface Config {
  /** What the services connect as: the application role, which can append and read events only. */
  databaseUrl: string;
  /** What migrations connect as: the owner of the schema (creates the database, tables and the role). */
  migrationDatabaseUrl: string;
  redisUrl: string;
  natsUrl: string;
  /** Which transport carries events: NATS JetStream (default) or NATS Streaming. */
  eventBus: 'jetstream' | 'stan';
  stan: { url: string | undefined; clusterId: string; clientId: string | undefined };
  /** Prefix of every Redis key (BullMQ prefix and the ordering gate's keys). */
  redisPrefix: string;
  /** BullMQ queue that carries commands. */
  queueName: string;
  /** Prefix of NATS subjects, streams and durable names: `${natsPrefix}.events` is the event log. */
  natsPrefix: string;
  /** Largest event payload the store accepts, in bytes. */
  maxEventBytes: number;
  /** Largest command payload the client accepts, in bytes. */
  maxCommandBytes: number;
  /** How long, and how many, finished commands BullMQ keeps in Redis (see job-options.ts). */
  jobs: CommandJobOptions;
  http: {
    host: string;
    port: number;
    /** Undefined: no auth, which needs API_AUTH=none or a loopback HOST (see apiAuth). */
    apiToken: string | undefined;
    /** Bull Board's actions (retry, promote, clean...) are off unless an operator turns them on. */
    bullBoardActions: boolean;
    /** Port of the metrics-only listener of roles without the HTTP API (worker, relay...); 0: none. */
    metricsPort: number;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a signalled process may take to stop before it exits anyway (see run-until-signal.ts). */
  stopTimeoutMs: number;
  /** How long a command id's outcome is kept, in days (see store/retention.ts). */
  idempotencyWindowDays: number;
}

type Env = Record<string, string | undefined>;

/** The idempotency window's default (IDEMPOTENCY_WINDOW_DAYS): see store/retention.ts. */
export const DEFAULT_IDEMPOTENCY_WINDOW_DAYS = 30;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PG = ['postgres:', 'postgresql:'];

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const databaseUrl = read.url('DATABASE_URL', 'postgres://eventstore_app@127.0.0.1:5432/eventstore', PG);
  const config: Config = {
    databaseUrl,
    // One URL for both still works (the services then run as the owner); the local default splits them.
    migrationDatabaseUrl: env.MIGRATION_DATABASE_URL
      ? read.url('MIGRATION_DATABASE_URL', '', PG)
      : env.DATABASE_URL ? databaseUrl : 'postgres://postgres@127.0.0.1:5432/eventstore',
    redisUrl: read.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    natsUrl: read.url('NATS_URL', 'nats://127.0.0.1:4222', ['nats:', 'tls:']),
    eventBus: read.oneOf('EVENT_BUS', 'jetstream', ['jetstream', 'stan'] as const),
    stan: {
      url: env.STAN_URL ? read.url('STAN_URL', '', ['nats:']) : undefined,
      clusterId: read.name('STAN_CLUSTER_ID', 'test-cluster'),
      clientId: env.STAN_CLIENT_ID ? read.name('STAN_CLIENT_ID', '') : undefined,
    },
    redisPrefix: read.name('REDIS_PREFIX', 'eventstore'),
    queueName: read.name('QUEUE_NAME', 'commands'),
    natsPrefix: read.name('NATS_PREFIX', 'eventstore'),
    maxEventBytes: read.integer('MAX_EVENT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    maxCommandBytes: read.integer('MAX_COMMAND_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    jobs: {
      keepCompleted: read.integer('COMPLETED_COMMANDS_KEEP', KEEP.keepCompleted, 1, 10_000_000),
      keepCompletedSeconds: read.integer('COMPLETED_COMMANDS_KEEP_SECONDS', KEEP.keepCompletedSeconds, 1, 365 * 24 * 3600),
      keepFailed: read.integer('FAILED_COMMANDS_KEEP', KEEP.keepFailed, 1, 10_000_000),
      keepFailedSeconds: read.integer('FAILED_COMMANDS_KEEP_SECONDS', KEEP.keepFailedSeconds, 1, 365 * 24 * 3600),
    },
    http: {
      host: env.HOST || '127.0.0.1',
      port: read.integer('PORT', 3000, 0, 65535),
      apiToken: apiToken(env, problems),
      bullBoardActions: read.oneOf('BULL_BOARD_ACTIONS', 'off', ['on', 'off'] as const) === 'on',
      metricsPort: read.integer('METRICS_PORT', 0, 0, 65535),
    },
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    stopTimeoutMs: read.integer('STOP_TIMEOUT_MS', 10_000, 100, 3_600_000),
    idempotencyWindowDays: read.integer('IDEMPOTENCY_WINDOW_DAYS', DEFAULT_IDEMPOTENCY_WINDOW_DAYS, 1, 36_500),
  };
  if (config.eventBus === 'stan' && !config.stan.url) {
    problems.push('EVENT_BUS=stan needs STAN_URL (for example nats://127.0.0.1:4223)');
  }
  const names = [databaseName(config.databaseUrl), databaseName(config.migrationDatabaseUrl)];
  if (names[0] !== undefined && names[1] !== undefined && names[0] !== names[1]) {
    problems.push('DATABASE_URL and MIGRATION_DATABASE_URL must name the same database (they differ only in the user)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * API_TOKEN, checked so that no setting turns auth off by accident: a set but empty token (often
 * `API_TOKEN=${API_TOKEN}` in a compose file with the variable missing) and a token with
 * whitespace (a header can never carry it, so nothing would ever match) stop the process. Running
 * without a token needs API_AUTH=none, except on a loopback HOST (the local quick start), where
 * only this machine can reach the API. Problems never show the token.
 */
function apiToken(env: Env, problems: string[]): string | undefined {
  const token = env.API_TOKEN;
  const auth = env.API_AUTH;
  const host = env.HOST || '127.0.0.1';
  if (auth !== undefined && auth !== 'none' && auth !== 'token') {
    problems.push(`API_AUTH must be "token" (the default: API_TOKEN required) or "none" (no auth), got "${auth}"`);
  }
  if (token === undefined) {
    if (auth === 'token') problems.push('API_AUTH=token needs API_TOKEN');
    else if (auth !== 'none' && !isLoopback(host)) {
      problems.push(`API_TOKEN is not set and HOST=${host} is not a loopback address: set API_TOKEN, or API_AUTH=none to run the API without auth`);
    }
    return undefined;
  }
  if (token === '') {
    problems.push('API_TOKEN is set but empty: give it a token, or unset it (and set API_AUTH=none) to run without auth');
  } else if (/\s/.test(token)) {
    const at = token.search(/\s/);
    problems.push(`API_TOKEN contains whitespace (at character ${at + 1} of ${token.length}): a bearer token cannot carry it, so no request would ever match`);
  }
  if (auth === 'none') problems.push('API_AUTH=none and API_TOKEN are both set: choose one');
  return token === '' ? undefined : token;
}

/** How the API authenticates, in words for the start-up log. */
export function apiAuth(config: Config): string {
  if (config.http.apiToken) return 'bearer token (API_TOKEN)';
  return isLoopback(config.http.host)
    ? `none: no API_TOKEN, and HOST=${config.http.host} is reachable from this machine only`
    : 'none (API_AUTH=none)';
}

/** A URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

function databaseName(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1));
  } catch {
    return undefined; // already reported as not a URL
  }
}

class Reader {
  constructor(private readonly env: Env, private readonly problems: string[]) {}

  url(key: string, fallback: string, protocols: string[]): string {
    const value = this.env[key] || fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${key} must start with ${protocols.join(' or ')}//, got ${redactUrl(value)}`);
      }
    } catch {
      this.problems.push(`${key} is not a URL: ${redactUrl(value)}`);
    }
    return value;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.env[key];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  name(key: string, fallback: string): string {
    const value = this.env[key] || fallback;
    if (!NAME.test(value)) {
      this.problems.push(`${key} may hold only letters, digits, '-' and '_' (1 to 64), got "${value}"`);
    }
    return value;
  }
}

/** True when a server bound to `host` is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
