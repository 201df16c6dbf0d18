/**
 * A worker process of a command contender: `node --import tsx consumer-process.ts`, forked by
 * support/worker-processes.ts with the contender name and RunConfig in BENCH_CONSUMER.
 * Messages to the parent: {type:'ready'}, {type:'stats', stats, rssBytes} every 100 ms and once
 * more after a {type:'stop'} from the parent, when everything is closed.
 */
import type { RunConfig } from './contender.ts';
import { contenderNamed } from './index.ts';

const { contender, config } = JSON.parse(process.env.BENCH_CONSUMER ?? '{}') as { contender: string; config: RunConfig };

const consumer = await contenderNamed(contender).createConsumer(config);
const report = (): void => {
  process.send?.({ type: 'stats', stats: consumer.stats(), rssBytes: process.memoryUsage.rss() });
};
const timer = setInterval(report, 100);
let stopping = false;
// The bench process died without asking us to stop: never outlive it.
process.on('disconnect', () => {
  if (!stopping) process.exit(1);
});
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'stop') return;
  stopping = true;
  clearInterval(timer);
  consumer
    .close()
    .then(() => {
      report();
      process.disconnect?.();
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
});
process.send?.({ type: 'ready' });
