/**
 * `npm run test:chaos`: the full chaos run (20,000 commands over 500 aggregates, 3 worker
 * processes, every fault). Prints what was injected and what was checked; exit code 0 only when
 * everything held. Sizes can be changed with CHAOS_AGGREGATES and CHAOS_COMMANDS_PER_AGGREGATE.
 */
import { formatChaosReport, runChaos } from './chaos-run.ts';

const report = await runChaos({
  aggregates: Number(process.env.CHAOS_AGGREGATES ?? 500),
  commandsPerAggregate: Number(process.env.CHAOS_COMMANDS_PER_AGGREGATE ?? 40),
  workers: 3,
  producers: 4,
  workerKills: 6,
  killEveryMs: 3000,
  batch: 50,
  sendSeconds: Number(process.env.CHAOS_SEND_SECONDS ?? 90),
  drainTimeoutMs: 15 * 60_000,
});
console.log(formatChaosReport(report));
process.exit(report.ok ? 0 : 1);
