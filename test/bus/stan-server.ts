import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../src/config/env.ts';
import { freePort } from './nats-server.ts';

/** Set when STAN_URL names a NATS Streaming server; the STAN tests skip with one line otherwise. */
export const stanUrl = process.env.STAN_URL;

export const STAN_SKIP_REASON =
  'STAN_URL is unset: no NATS Streaming server here (end of life, no package ships it). ' +
  'Run `docker compose --profile stan up -d` (or a nats-streaming-server built from source) and set STAN_URL=nats://127.0.0.1:4223 to run it.';

/** A config for the STAN transport on the STAN_URL server. */
export function stanConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...process.env, EVENT_BUS: 'stan', ...env });
}

/** Declares `name` as skipped, with the reason printed once, when no STAN server is configured. */
export function skipWithoutStan(name: string): boolean {
  if (stanUrl) return false;
  console.log(`# skipping ${name}: ${STAN_SKIP_REASON}`);
  test(name, { skip: STAN_SKIP_REASON }, () => {});
  return true;
}

/**
 * The transports a distribution test runs on: JetStream always, NATS Streaming when STAN_URL is
 * set (else one line says how to run those too).
 */
export function transports(suite: string): Array<'jetstream' | 'stan'> {
  if (stanUrl) return ['jetstream', 'stan'];
  console.log(`# ${suite} runs on JetStream only: ${STAN_SKIP_REASON}`);
  return ['jetstream'];
}

/**
 * A nats-streaming-server of the test's own (from PATH, memory store, a free loopback port), for
 * tests that kill and restart it: the restarted server has forgotten every client, as after a
 * crash without a persistent store. Undefined when no binary is on PATH.
 */
export class OwnStanServer {
  private process: ChildProcess | undefined;
  private constructor(readonly port: number, private readonly args: string[]) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static available(): boolean {
    return spawnSync('nats-streaming-server', ['-v'], { stdio: 'ignore' }).status === 0;
  }

  /** `args`: more server flags, such as channel limits (`-mm 5`). */
  static async start(args: string[] = []): Promise<OwnStanServer> {
    const server = new OwnStanServer(await freePort(), args);
    await server.restart();
    return server;
  }

  async restart(): Promise<void> {
    const child = spawn('nats-streaming-server', ['-a', '127.0.0.1', '-p', String(this.port), '-cid', 'test-cluster', '-store', 'memory', ...this.args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    for (let i = 0; !log.includes('Streaming Server is ready'); i++) {
      if (i > 100 || child.exitCode !== null) throw new Error(`nats-streaming-server did not start: ${log.slice(-500)}`);
      await sleep(100);
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
}
