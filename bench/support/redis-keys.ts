import { Redis } from 'ioredis';

/** Deletes every key that contains the run's unique prefix (BullMQ keys, groupmq keys): only ours. */
export async function deleteKeysWithPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  let deleted = 0;
  try {
    for (const pattern of [`${prefix}*`, `groupmq:${prefix}*`]) {
      const stream = redis.scanStream({ match: pattern, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>) {
        if (keys.length > 0) deleted += await redis.unlink(...keys);
      }
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
