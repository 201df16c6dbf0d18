import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChaosReport, runChaos } from './chaos/chaos-run.ts';

/**
 * The short chaos run of `npm test` (the full one is `npm run test:chaos`): 2,000 commands over 100
 * aggregates, 3 worker processes, every kind of fault once (workers killed 3 times). Its own
 * PostgreSQL, Redis and NATS; the shared services are never touched.
 */
describe('chaos (short run)', () => {
  it('recovers from every injected fault by itself, drains every backlog, and verify passes', async () => {
    const report = await runChaos({
      aggregates: 100,
      commandsPerAggregate: 20,
      workers: 3,
      producers: 4,
      workerKills: 3,
      killEveryMs: 3000,
      batch: 25,
      sendSeconds: 45,
      drainTimeoutMs: 5 * 60_000,
      log: () => {},
    });
    console.log(formatChaosReport(report));
    assert.equal(report.ok, true, formatChaosReport(report));
    assert.equal(report.verify.ok, true);
  });
});
