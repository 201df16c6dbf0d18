import { test } from 'node:test';
import { loadConfig, type Config } from '../../src/config/env.ts';

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
