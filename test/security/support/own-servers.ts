import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../reliability/support/servers.ts';
import { waitUntil } from '../../support/wait.ts';

/** A server of the test's own (not the shared one): its settings can be changed freely. */
export interface OwnServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** redis-server on a free port, in memory only; `args` adds options (--requirepass...). */
export async function ownRedis(args: string[] = []): Promise<OwnServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  return started(child, port, `redis://127.0.0.1:${port}`);
}

/** nats-server with JetStream on a free port, its store in a temporary directory. */
export async function ownNats(args: string[] = []): Promise<OwnServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'eventstore-nats-'));
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir, ...args], { stdio: 'ignore' });
  const server = await started(child, port, `nats://127.0.0.1:${port}`);
  return { ...server, stop: async () => (await server.stop(), rmSync(dir, { recursive: true, force: true })) };
}

async function started(child: ChildProcess, port: number, url: string): Promise<OwnServer> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  process.once('exit', () => child.kill('SIGKILL'));
  try {
    await waitUntil(() => accepts(port), `${url} to accept connections`, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
