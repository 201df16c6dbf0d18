import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Small sizes: a quick look, not figures to publish. */
  quick: boolean;
  /** Worker processes per command contender (default 2: one per core of the reference machine). */
  workers: number;
  /** Commands each worker process runs at once. */
  concurrency: number;
  /** Queues of the hash-partitioned BullMQ contender. */
  partitions: number;
  /** Alternating rounds: each contender runs once per round, in a rotated order. */
  rounds: number;
  /** Commands per run in scenarios 1 and 2. */
  commands: number;
  /** Events per run in the store, relay and projection scenarios. */
  events: number;
  /** How long the steady-rate parts (relay lag, live projection) run, in seconds. */
  steadySeconds: number;
  /** Scenario names to run (default: all). */
  only: string[] | undefined;
  /** Command contenders to run, by name prefix (default: all), e.g. "ours,groupmq". */
  contenders: string[] | undefined;
  /** When set, worker processes write V8 CPU profiles (.cpuprofile) into this directory. */
  cpuProfileDir: string | undefined;
  /** Where the JSON goes. */
  out: string;
  redisUrl: string;
  natsUrl: string;
}

const USAGE = `npm run bench -- [--quick] [--workers N] [--concurrency N] [--partitions N] [--rounds N]
                   [--commands N] [--events N]
                   [--steady-seconds N] [--only scenario,scenario] [--out path]
                   [--contenders name-prefix,...] [--cpu-prof dir]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      workers: { type: 'string' },
      concurrency: { type: 'string' },
      partitions: { type: 'string' },
      rounds: { type: 'string' },
      commands: { type: 'string' },
      events: { type: 'string' },
      'steady-seconds': { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      contenders: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  return {
    quick,
    workers: positive('workers', values.workers, 2),
    concurrency: positive('concurrency', values.concurrency, 32),
    partitions: positive('partitions', values.partitions, 16),
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    commands: positive('commands', values.commands, quick ? 2_000 : 5_000),
    events: positive('events', values.events, quick ? 2_000 : 20_000),
    steadySeconds: positive('steady-seconds', values['steady-seconds'], quick ? 3 : 10),
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
    out: values.out ?? 'bench/results/latest.json',
    cpuProfileDir: values['cpu-prof'],
    contenders: values.contenders?.split(',').map((s) => s.trim()).filter(Boolean),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  };
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"\n${USAGE}`);
  return value;
}
