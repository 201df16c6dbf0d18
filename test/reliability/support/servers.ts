import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The chaos run's OWN servers: PostgreSQL, Redis and NATS on free loopback ports with their data in
 * a temporary directory, so they can be killed and restarted without touching the machine's shared
 * services. Each is stopped and its directory removed by stop(), and at the latest when the test
 * process exits.
 */
const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const cleanups = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of cleanups) cleanup();
});

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `eventstore-${prefix}-`));
}

async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A server that runs as a child process of the test; restart = kill (crash or graceful) + start. */
abstract class ChildServer {
  protected child: ChildProcess | undefined;
  private readonly cleanup = () => { this.child?.kill('SIGKILL'); rmSync(this.dir, { recursive: true, force: true }); };

  protected constructor(readonly port: number, protected readonly dir: string) {
    cleanups.add(this.cleanup);
  }

  protected abstract command(): [string, string[]];

  async start(): Promise<void> {
    const [bin, args] = this.command();
    this.child = spawn(bin, args, { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async restart(signal: NodeJS.Signals, downMs = 1000): Promise<void> {
    await this.kill(signal);
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    this.cleanup();
    cleanups.delete(this.cleanup);
  }
}

/** redis-server with its append-only file on (everysec): a SIGKILL loses nothing it acknowledged. */
export class TempRedis extends ChildServer {
  static async start(): Promise<TempRedis> {
    const server = new TempRedis(await freePort(), tempDir('redis'));
    await server.start();
    return server;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  protected command(): [string, string[]] {
    return ['redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes',
      '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', join(this.dir, 'redis.log')]];
  }
}

/** nats-server with JetStream, its store in its own directory. */
export class TempNats extends ChildServer {
  static async start(): Promise<TempNats> {
    const server = new TempNats(await freePort(), tempDir('nats'));
    await server.start();
    return server;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  protected command(): [string, string[]] {
    return ['nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', join(this.dir, 'js'), '-l', join(this.dir, 'nats.log')]];
  }
}

/**
 * A PostgreSQL cluster of its own (initdb + pg_ctl, as the postgres user when we are root), trust
 * authentication on loopback. fsync is off: the run crashes the server process, never the machine,
 * and every write has reached the kernel by then.
 */
export class TempPostgres {
  private readonly cleanup = () => {
    try {
      execFileSync(...this.pgCtl(['stop', '-m', 'immediate']), { stdio: 'ignore' });
    } catch { /* not running */ }
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(readonly port: number, private readonly dir: string) {
    cleanups.add(this.cleanup);
  }

  static async start(): Promise<TempPostgres> {
    const dir = tempDir('pg');
    chmodSync(dir, 0o700);
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const server = new TempPostgres(await freePort(), dir);
    await run(...server.as([`${PG_BIN}/initdb`, '-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
    await server.startServer();
    return server;
  }

  url(database: string, user = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
    await run(...this.pgCtl(['start', '-w', '-t', '60', '-l', join(this.dir, 'postgres.log'), '-o', options]));
  }

  /** Crash (immediate: no shutdown checkpoint, crash recovery on start) and start again. */
  async restart(downMs = 1000): Promise<void> {
    await run(...this.pgCtl(['stop', '-m', 'immediate', '-w']));
    await new Promise((r) => setTimeout(r, downMs));
    await this.startServer();
  }

  async stop(): Promise<void> {
    this.cleanup();
    cleanups.delete(this.cleanup);
  }

  private pgCtl(args: string[]): [string, string[]] {
    return this.as([`${PG_BIN}/pg_ctl`, '-D', join(this.dir, 'data'), ...args]);
  }

  private as(command: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...command]] : [command[0]!, command.slice(1)];
  }
}
