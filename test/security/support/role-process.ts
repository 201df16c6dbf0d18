import { spawn } from 'node:child_process';
import { uniqueName } from '../../support/database.ts';

/** `eventstore <command>` as a child process, its stdout and stderr captured line by line. */
export interface RoleProcess {
  lines(): string[];
  /** Log entries (JSON lines with a level) that `match` accepts. */
  logged(match: (entry: LogEntry) => boolean): LogEntry[];
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface LogEntry {
  level: number;
  msg?: string;
  err?: { message?: string };
  [field: string]: unknown;
}

/** Runs at LOG_LEVEL=trace on a Redis prefix, queue and NATS prefix of its own, with no API_TOKEN. */
export function runRole(command: string, env: Record<string, string>): RoleProcess {
  let output = '';
  const child = spawn(process.execPath, ['bin/eventstore.mjs', command], {
    env: {
      ...process.env, API_TOKEN: undefined, API_AUTH: undefined, HOST: '127.0.0.1', LOG_LEVEL: 'trace',
      REDIS_PREFIX: uniqueName('role'), QUEUE_NAME: uniqueName('q'), NATS_PREFIX: uniqueName('role'), ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () => output.split('\n').filter((line) => line.trim() !== '');
  return {
    lines,
    logged: (match) => lines().flatMap((line) => {
      try {
        const entry = JSON.parse(line) as LogEntry;
        return typeof entry.level === 'number' && match(entry) ? [entry] : [];
      } catch {
        return [];
      }
    }),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
