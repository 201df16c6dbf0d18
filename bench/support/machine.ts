import os from 'node:os';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { adminQuery } from './bench-database.ts';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  nats: string;
}

/** Server settings that change the figures; reported with every scenario. */
export interface BenchSettings {
  postgres: Record<string, string>;
  redis: Record<string, string>;
  workerProcesses: number;
}

const POSTGRES_SETTINGS = ['synchronous_commit', 'fsync', 'wal_level', 'shared_buffers', 'max_connections'];
const REDIS_SETTINGS = ['appendonly', 'appendfsync', 'save'];

export async function describeMachine(urls: { redisUrl: string; natsUrl: string }): Promise<MachineInfo> {
  const [postgres, redis, nats] = await Promise.all([
    adminQuery('SHOW server_version').then((r) => String(r.rows[0].server_version)),
    withRedis(urls.redisUrl, async (client) => /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown'),
    natsVersion(urls.natsUrl),
  ]);
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    redis,
    nats,
  };
}

export async function readSettings(redisUrl: string, workerProcesses: number): Promise<BenchSettings> {
  const postgres: Record<string, string> = {};
  for (const name of POSTGRES_SETTINGS) {
    const { rows } = await adminQuery(`SHOW ${name}`);
    postgres[name] = String(rows[0][name]);
  }
  const redis = await withRedis(redisUrl, async (client) => {
    const values: Record<string, string> = {};
    for (const name of REDIS_SETTINGS) {
      const reply = (await client.config('GET', name)) as string[];
      values[name] = reply[1] ?? '';
    }
    return values;
  });
  return { postgres, redis, workerProcesses };
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was during a run. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = os.loadavg().map((v) => Math.round(v * 100) / 100);
  return [one!, five!, fifteen!];
}

async function withRedis<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

async function natsVersion(url: string): Promise<string> {
  const nc = await connect({ servers: url });
  try {
    return nc.info?.version ?? 'unknown';
  } finally {
    await nc.close();
  }
}
